// The operations an admin runs on a sysroot. Each takes the writer lock, and either completes or
// leaves the sysroot as it was (a crash at any point leaves the old boot configuration live;
// leftovers are removed by the next writer).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/etc/etc_merge.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::sysroot {

struct DeployResult {
    Deployment deployment;
    std::vector<std::string> etc_conflicts;
    std::vector<std::string> removed_deployments;  // ids dropped by retention
};

// Deploys `commit` as the new default (used by every operation below; caller holds the lock).
// A directory that already holds exactly a commit's tree as a checkout would (hardlinks into the
// store, or files of its own), on the sysroot's filesystem: deploy moves it into place instead of
// checking the commit out again (layering builds one anyway). The implementation owns where the
// tree lives (layering: its work dir) and removes what is left of it on destruction.
class PreparedTree {
  public:
    virtual ~PreparedTree() = default;
    // The directory holding the tree, and the tree's name in it.
    virtual int dirfd() const = 0;
    virtual const std::string& name() const = 0;
};

struct DeployRequest {
    std::string commit;
    Origin origin;
    std::optional<std::vector<std::string>> kargs;  // nullopt: inherit from the default
    std::unique_ptr<PreparedTree> prepared_tree;    // null: check request.commit out
};
DeployResult deploy_commit(Sysroot& sysroot, const DeployRequest& request, Progress& progress);

void add_remote(Sysroot& sysroot, const std::string& name, const std::string& url);

// Pulls NAME:REF (or uses a local REF), deploys its newest commit and tracks it from now on.
DeployResult rebase(Sysroot& sysroot, const std::string& refspec, Progress& progress);

enum class UpgradeOutcome { Deployed, NoUpdate, UpdateAvailable };
struct UpgradeOptions {
    bool check_only = false;  // only tell whether an update exists
    bool preview = false;     // like check_only, plus the package diff of the new base
};
struct UpgradeResult {
    UpgradeOutcome outcome = UpgradeOutcome::NoUpdate;
    std::string commit;   // the newest commit of the tracked ref
    std::string version;  // its version
    std::optional<DeployResult> deployed;
    // preview: {"added","removed","upgraded","downgraded"} between the default deployment's base
    // and the new base (layering::db_diff_json); null when a commit has no package list.
    nlohmann::json package_diff;
};
UpgradeResult upgrade(Sysroot& sysroot, const UpgradeOptions& options, Progress& progress);

// Deploys an older or newer commit of the tracked ref, by version or commit (prefix).
DeployResult deploy_revision(Sysroot& sysroot, const std::string& version_or_commit,
                             Progress& progress);

// Makes the rollback deployment the default: one atomic boot-config switch, no tree work.
// Returns the new default.
Deployment rollback(Sysroot& sysroot, Progress& progress);

struct KargsEdit {
    std::vector<std::string> append;   // KEY or KEY=VALUE
    std::vector<std::string> remove;   // KEY or KEY=VALUE
    std::vector<std::string> replace;  // KEY=VALUE replaces every KEY=*
    bool empty() const { return append.empty() && remove.empty() && replace.empty(); }
};
// Applies the edit to the default deployment's kernel arguments in a new deployment of the same
// commit; nullopt when the result equals the current arguments (nothing to do).
std::optional<DeployResult> edit_kargs(Sysroot& sysroot, const KargsEdit& edit, Progress& progress);
std::vector<std::string> apply_kargs_edit(std::vector<std::string> kargs, const KargsEdit& edit);
// Edits the sysroot-wide default kernel arguments (deployd.json) that a first deployment gets;
// no deployment changes. nullopt when the edit changes nothing.
std::optional<std::vector<std::string>> edit_default_kargs(Sysroot& sysroot, const KargsEdit& edit);

void set_pinned(Sysroot& sysroot, size_t index, bool pinned);

struct CleanupResult {
    std::vector<std::string> removed_deployments;
    uint64_t objects_removed = 0;
    uint64_t bytes_freed = 0;
};
// Removes leftovers, deployments not in the boot configuration, unused kernels, and prunes
// objects no ref or deployment uses.
CleanupResult cleanup(Sysroot& sysroot, Progress& progress);

// The admin's /etc changes in the merge deployment (booted, else default).
std::vector<etc::EtcChange> etc_diff(const Sysroot& sysroot);

}  // namespace deploy::sysroot
