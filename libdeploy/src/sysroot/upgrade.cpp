// rebase, upgrade and deploy: the operations that move a sysroot to another commit of a ref.
#include <fmt/format.h>

#include <vector>

#include "deploy/error.hpp"
#include "deploy/layering/db_diff.hpp"
#include "deploy/layering/layer.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

namespace {

// The tracked ref's newest commit, pulled (tree and all) when it comes from a remote.
std::string fetch_tip(Sysroot& sysroot, const std::string& refspec, Progress& progress) {
    auto [remote, ref] = split_refspec(refspec);
    repo::Repo::check_ref_name(ref);
    if (remote.empty()) {
        auto tip = sysroot.repo().read_ref(ref);
        if (!tip)
            throw NotFoundError(fmt::format("no ref '{}' in the sysroot repository", ref));
        return *tip;
    }
    ProgressTask task(progress, "pull");
    auto pulled = repo::pull(sysroot.repo(), remote, ref, "", progress);
    progress.message(fmt::format("Pulled {}:{} -> {} ({} new objects)", remote, ref,
                                 pulled.commit.substr(0, 12), pulled.objects_fetched));
    return pulled.commit;
}

const Deployment& require_merge(const std::vector<Deployment>& list) {
    auto merge = Sysroot::merge_index(list);
    if (!merge) {
        throw NotFoundError("no deployment yet: run 'deployctl rebase REMOTE:REF' first");
    }
    return list[*merge];
}

// What the new base changes in the package set, from the commits' package lists (only the commit
// object is fetched, no tree). Layered packages are re-resolved at upgrade time and not listed.
nlohmann::json preview_package_diff(const repo::Repo& repo, const Deployment& current,
                                    const std::string& new_base) {
    const auto current_base = repo.read_commit(
        current.origin.base_commit.empty() ? current.commit : current.origin.base_commit);
    const auto next = repo.read_commit(new_base);
    if (!current_base.metadata.contains("packages") || !next.metadata.contains("packages"))
        return nullptr;
    return layering::db_diff_json(
        layering::diff_package_lists(current_base.metadata["packages"], next.metadata["packages"]));
}

}  // namespace

void add_remote(Sysroot& sysroot, const std::string& name, const std::string& url) {
    auto lock = sysroot.lock("remote add");
    sysroot.repo().add_remote({name, url});
}

DeployResult rebase(Sysroot& sysroot, const std::string& refspec, Progress& progress) {
    auto [remote, ref] = split_refspec(refspec);
    repo::Repo::check_ref_name(ref);
    if (!remote.empty() && !sysroot.repo().find_remote(remote)) {
        throw NotFoundError(
            fmt::format("no remote '{}': add it with 'deployctl remote add'", remote));
    }
    auto lock = sysroot.lock("rebase " + refspec);
    std::string tip = fetch_tip(sysroot, refspec, progress);
    DeployRequest request;
    request.commit = tip;
    request.origin.refspec = refspec;
    request.origin.base_commit = tip;
    auto list = sysroot.deployments();
    if (auto merge = Sysroot::merge_index(list)) {
        // Layering requests survive a rebase; pins and conflicts belong to the old deployment.
        const Origin& old = list[*merge].origin;
        request.origin.requested_packages = old.requested_packages;
        request.origin.requested_local_packages = old.requested_local_packages;
        request.origin.removed_packages = old.removed_packages;
        request.origin.replaced_packages = old.replaced_packages;
        auto layered =
            layering::build_layered_commit(sysroot, list[*merge], tip, request.origin, progress);
        request.commit = layered.commit;
        request.prepared_tree = layered.tree;
    }
    return deploy_commit(sysroot, request, progress);
}

UpgradeResult upgrade(Sysroot& sysroot, const UpgradeOptions& options, Progress& progress) {
    const bool look_only = options.check_only || options.preview;
    auto lock = sysroot.lock(options.preview      ? "upgrade --preview"
                             : options.check_only ? "upgrade --check"
                                                  : "upgrade");
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    const Deployment& current_default = list.front();
    auto [remote, ref] = split_refspec(merge.origin.refspec);

    UpgradeResult result;
    if (look_only) {
        result.commit = remote.empty()
                            ? sysroot.repo().read_ref(ref).value_or("")
                            : repo::pull_commit_metadata(sysroot.repo(), remote, ref, progress);
        if (result.commit.empty())
            throw NotFoundError(fmt::format("no ref '{}'", ref));
    } else {
        result.commit = fetch_tip(sysroot, merge.origin.refspec, progress);
    }
    result.version = sysroot.repo().read_commit(result.commit).version;
    if (result.commit == current_default.origin.base_commit) {
        result.outcome = UpgradeOutcome::NoUpdate;
        return result;
    }
    if (look_only) {
        result.outcome = UpgradeOutcome::UpdateAvailable;
        if (options.preview)
            result.package_diff =
                preview_package_diff(sysroot.repo(), current_default, result.commit);
        return result;
    }
    DeployRequest request;
    request.commit = result.commit;
    request.origin = merge.origin;
    request.origin.base_commit = result.commit;
    // The layered packages are re-resolved against the new base; failure deploys nothing.
    auto layered =
        layering::build_layered_commit(sysroot, merge, result.commit, request.origin, progress);
    request.commit = layered.commit;
    request.prepared_tree = layered.tree;
    result.deployed = deploy_commit(sysroot, request, progress);
    result.outcome = UpgradeOutcome::Deployed;
    return result;
}

DeployResult deploy_revision(Sysroot& sysroot, const std::string& wanted, Progress& progress) {
    if (wanted.empty())
        throw InvalidError("deploy: a version or commit is required");
    auto lock = sysroot.lock("deploy " + wanted);
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    auto [remote, ref] = split_refspec(merge.origin.refspec);
    auto& repo = sysroot.repo();
    std::string tip = remote.empty() ? repo.read_ref(ref).value_or("")
                                     : repo::pull_commit_metadata(repo, remote, ref, progress);
    // Walk the ref's history for a matching version (the newest wins) or else a commit prefix
    // (at least 4 hex digits, as everywhere else, and unique: "1" is version 1, never whichever
    // commit happens to start with a 1).
    const bool can_be_prefix = wanted.size() >= 4 && wanted.size() <= 64 &&
                               wanted.find_first_not_of("0123456789abcdef") == std::string::npos;
    std::string found;
    std::vector<std::string> by_prefix;
    for (std::string c = tip; !c.empty() && found.empty();) {
        repo::Commit commit = repo.read_commit(c);
        if (commit.version == wanted)
            found = c;
        else if (can_be_prefix && c.rfind(wanted, 0) == 0)
            by_prefix.push_back(c);
        c = !commit.parent.empty() && repo.has_object(commit.parent, repo::ObjectType::Commit)
                ? commit.parent
                : "";
    }
    if (found.empty() && by_prefix.size() > 1) {
        throw InvalidError(
            fmt::format("'{}' is the prefix of {} commits in the history of {}; "
                        "give more digits",
                        wanted, by_prefix.size(), merge.origin.refspec));
    }
    if (found.empty() && by_prefix.size() == 1)
        found = by_prefix.front();
    if (found.empty()) {
        throw NotFoundError(fmt::format("no version or commit '{}' in the history of {}", wanted,
                                        merge.origin.refspec));
    }
    if (!remote.empty() && (repo.is_partial(found) || !repo.read_ref(remote + ":" + ref))) {
        ProgressTask task(progress, "pull");
        repo::pull(repo, remote, ref, found, progress);
    }
    DeployRequest request;
    request.commit = found;
    request.origin = merge.origin;
    request.origin.base_commit = found;
    auto layered = layering::build_layered_commit(sysroot, merge, found, request.origin, progress);
    request.commit = layered.commit;
    request.prepared_tree = layered.tree;
    return deploy_commit(sysroot, request, progress);
}

}  // namespace deploy::sysroot
