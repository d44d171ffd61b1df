// Dependency resolution with libsolv against rpm-md repositories and a tree's rpmdb.
#pragma once

#include <string>
#include <vector>

#include "deploy/error.hpp"
#include "deploy/layering/repo_source.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::layering {

struct ResolveRequest {
    std::vector<RepoSource> repos;  // disabled ones are skipped
    // Downloaded metadata and packages of remote repos, per repo name.
    std::string cache_dir;
    // Tree whose rpmdb (usr/lib/sysimage/rpm) is the installed set; empty = nothing installed.
    std::string installed_root;
    std::vector<std::string> install;     // package names or provides
    std::vector<std::string> local_rpms;  // paths of .rpm files
    std::vector<std::string> remove;      // installed package names
    // .rpm files replacing the installed package of the same name (upgrade or downgrade).
    std::vector<std::string> replace_local_rpms;
    std::vector<std::string> exclude;  // names never to install
    // false: only solve (path is the package's URL, sha256 empty); for previews and tests.
    bool fetch_packages = true;
};

struct ResolvedPackage {
    std::string name;
    std::string nevra;
    std::string path;    // local file to install (fetched and checksum-verified)
    std::string sha256;  // of the package file
    std::string repo;    // repo name, "@local" for a file given by path
};

struct Resolution {
    std::vector<ResolvedPackage> install;  // in dependency order
    std::vector<ResolvedPackage> erase;    // installed packages to remove (name, nevra)
};

// Thrown when libsolv finds no solution; the message carries libsolv's problem descriptions
// ("nothing provides libfoo needed by bar-1.0-1.noarch"), each in problems().
class ResolveError : public Error {
  public:
    explicit ResolveError(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const noexcept { return problems_; }

  private:
    std::vector<std::string> problems_;
};

// Loads the repos (metadata checksums verified: corrupt metadata is a CorruptError naming the
// repo), solves, and fetches the packages to install. Changes nothing outside cache_dir.
Resolution resolve(const ResolveRequest& request, Progress& progress);

}  // namespace deploy::layering
