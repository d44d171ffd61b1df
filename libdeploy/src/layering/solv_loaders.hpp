// Filling a libsolv pool: rpm-md repositories (repomd.xml + primary) and a tree's rpmdb.
#pragma once

#include <string>

#include "deploy/layering/repo_source.hpp"
#include "deploy/util/progress.hpp"
#include "solv_pool.hpp"

namespace deploy::layering {

// Loads repomd.xml and the primary metadata of `source` into repo, after checking the primary's
// checksum against repomd.xml. Remote files are cached under cache_dir/<name>/ and the primary is
// only downloaded again when repomd.xml names a different one. CorruptError names the repo.
void load_rpmmd_repo(solv::Pool& pool, solv::Repo& repo, const RepoSource& source,
                     const std::string& cache_dir, const Progress& progress);

// Adds every package of the rpmdb at root/usr/lib/sysimage/rpm as solvables (no rpmdb: none).
// Read with librpm ourselves rather than libsolv's repo_add_rpmdb, whose librpm backend picks
// its own dbpath.
void load_installed(solv::Pool& pool, solv::Repo& repo, const std::string& root);

}  // namespace deploy::layering
