// Building a base tree from RPMs: `deployctl compose --repo R TREEFILE`.
#pragma once

#include <string>

#include "deploy/layering/treefile.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::layering {

struct ComposeResult {
    std::string commit;
    std::string ref;
    size_t packages = 0;
};

// Resolves the treefile's packages, installs them into a fresh root, and commits it to the
// treefile's ref with metadata "packages" (NEVRA + checksums) and "kernel_args".
ComposeResult compose(repo::Repo& repo, const Treefile& treefile, const std::string& cache_dir,
                      Progress& progress);

}  // namespace deploy::layering
