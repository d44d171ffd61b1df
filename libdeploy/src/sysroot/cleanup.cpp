#include <set>

#include <fmt/format.h>

#include "deploy/repo/maintenance.hpp"
#include "deploy/sysroot/operations.hpp"
#include "leftovers.hpp"

namespace deploy::sysroot {

CleanupResult cleanup(Sysroot& sysroot, Progress& progress) {
    auto lock = sysroot.lock("cleanup");  // also removes leftovers of interrupted runs
    CleanupResult result;
    repo::PruneOptions options;
    for (const auto& d : sysroot.deployments()) {
        options.extra_commits.insert(d.commit);
        options.extra_commits.insert(d.origin.base_commit);
    }
    // A sysroot keeps only what it can deploy: ref tips and deployed commits, not history.
    options.keep_history = false;
    auto pruned = repo::prune(sysroot.repo(), options, progress);
    result.objects_removed = pruned.objects_removed;
    result.bytes_freed = pruned.bytes_freed;
    progress.message(fmt::format("Pruned {} object(s), {} bytes freed", pruned.objects_removed,
                                 pruned.bytes_freed));
    return result;
}

}  // namespace deploy::sysroot
