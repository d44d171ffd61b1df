#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "boot_switch.hpp"
#include "deploy/bootloader/boot_config.hpp"
#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/bootloader/kernel_install.hpp"
#include "deploy/error.hpp"
#include "deploy/etc/etc_merge.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/util/fault.hpp"
#include "deploy/util/fs.hpp"
#include "retention.hpp"

namespace deploy::sysroot {

namespace {

int next_serial(int os_fd, const std::string& commit, const std::vector<Deployment>& list) {
    int serial = 0;
    for (const auto& d : list) {
        if (d.commit == commit)
            serial = std::max(serial, d.serial + 1);
    }
    while (fs::exists_at(os_fd, fmt::format("{}.{}", commit, serial)))
        ++serial;
    return serial;
}

// Seeds the OS's shared /var from the tree's var/ the first time only.
void seed_var(int os_fd, int tree_fd, Progress& progress) {
    bool created = false;
    if (!fs::exists_at(os_fd, "var")) {
        fs::mkdir_p_at(os_fd, "var", 0755);
        created = true;
    }
    UniqueFd var = fs::open_dir(os_fd, "var");
    if (!fs::list_dir(var.get()).empty())
        return;
    UniqueFd tree_var = fs::open_dir_if_exists(tree_fd, "var");
    if (!tree_var)
        return;
    for (const auto& name : fs::list_dir(tree_var.get())) {
        fs::copy_tree_at(tree_var.get(), name, var.get(), name);
    }
    if (created)
        progress.message("Created /var from the tree's defaults");
}

// The new deployment's kernel arguments, from whichever source applies, through the one
// validation every source gets (a commit's metadata is as untrusted as a user's input).
std::vector<std::string> deployment_kargs(const DeployRequest& request,
                                          const std::vector<Deployment>& old,
                                          const repo::Commit& commit) {
    if (request.kargs)
        return boot::normalize_kernel_args(*request.kargs);
    if (!old.empty()) {
        // The default's arguments, not the booted one's: a kargs edit not yet booted into is
        // what the admin asked for last and must survive an upgrade made before the reboot.
        try {
            return boot::normalize_kernel_args(old.front().kargs);
        } catch (const InvalidError& e) {
            throw InvalidError(
                fmt::format("kernel arguments of the default deployment: {}; "
                            "remove it with 'kargs --delete'",
                            e.what()));
        }
    }
    const std::string where = fmt::format("commit {}: metadata kernel_args", request.commit);
    if (!commit.metadata.contains("kernel_args"))
        return {};
    const auto& value = commit.metadata.at("kernel_args");
    if (!value.is_array())
        throw InvalidError(where + ": not an array of strings");
    std::vector<std::string> args;
    for (const auto& a : value) {
        if (!a.is_string())
            throw InvalidError(where + ": not an array of strings");
        args.push_back(a.get<std::string>());
    }
    try {
        return boot::normalize_kernel_args(args);
    } catch (const InvalidError& e) {
        throw InvalidError(fmt::format("{}: {}", where, e.what()));
    }
}

}  // namespace

DeployResult deploy_commit(Sysroot& sysroot, const DeployRequest& request, Progress& progress) {
    auto& repo = sysroot.repo();
    std::vector<Deployment> old = sysroot.deployments();
    auto merge = Sysroot::merge_index(old);
    const std::string os = sysroot.os();
    fs::mkdir_p_at(sysroot.fd(), "deploy/" + os);
    UniqueFd os_fd = fs::open_dir(sysroot.fd(), "deploy/" + os);

    repo::Commit commit = repo.read_commit(request.commit);
    Deployment fresh;
    fresh.os = os;
    fresh.commit = request.commit;
    fresh.serial = next_serial(os_fd.get(), request.commit, old);
    fresh.origin = request.origin;
    fresh.origin.pinned = false;
    fresh.version = commit.version;
    fresh.timestamp = commit.timestamp;
    fresh.kargs = deployment_kargs(request, old, commit);
    // Refused here, before any tree work, so a bad argument leaves the sysroot as it was.
    boot::check_kernel_cmdline(boot_entry_for(fresh).options,
                               fmt::format("deployment {}", fresh.id()));

    const std::string staging = ".staging-" + fresh.id();
    fs::remove_tree_at(os_fd.get(), staging);
    const std::string short_id = fmt::format("{}.{}", fresh.commit.substr(0, 10), fresh.serial);
    progress.message(fmt::format("Deploying {} {} ({})", os,
                                 fresh.version.empty() ? "(no version)" : fresh.version, short_id));
    try {
        const auto& prepared = request.prepared_tree;
        if (prepared && ::renameat(prepared->dirfd, prepared->name.c_str(), os_fd.get(),
                                   staging.c_str()) == 0) {
            spdlog::debug("deploy: moved the prepared tree of {} into place", request.commit);
        } else {
            if (prepared && errno != EXDEV)
                throw_errno("cannot move the prepared tree into", "deploy/" + os + "/" + staging);
            repo::CheckoutOptions checkout_options;
            repo::checkout_commit(repo, request.commit, os_fd.get(), staging, checkout_options,
                                  progress);
        }
        fault_point("deploy-checked-out");
        UniqueFd tree = fs::open_dir(os_fd.get(), staging);
        boot::KernelFiles kernel = boot::find_kernel(tree.get());

        DeployResult result;
        if (fs::exists_at(tree.get(), "usr/etc")) {
            ProgressTask task(progress, "etc-merge");
            UniqueFd new_defaults = fs::open_dir(tree.get(), "usr/etc");
            if (fs::exists_at(tree.get(), "etc")) {
                throw InvalidError(fmt::format("commit {} has both etc and usr/etc; cannot deploy",
                                               request.commit));
            }
            UniqueFd merge_etc_dir, merge_defaults;
            if (merge) {
                UniqueFd merge_tree = fs::open_dir(sysroot.fd(), old[*merge].relpath());
                merge_etc_dir = fs::open_dir_if_exists(merge_tree.get(), "etc");
                merge_defaults = fs::open_dir_if_exists(merge_tree.get(), "usr/etc");
            }
            if (merge_etc_dir && merge_defaults) {
                auto merged = etc::merge_etc(merge_defaults.get(), merge_etc_dir.get(),
                                             new_defaults.get(), tree.get(), "etc");
                result.etc_conflicts = merged.conflicts;
                progress.message(fmt::format("Merged /etc: {} change(s) of the admin kept",
                                             merged.applied.size()));
                for (const auto& c : merged.conflicts) {
                    progress.message(fmt::format(
                        "etc conflict: /etc/{} was changed by the admin and by the new version; "
                        "kept the admin's",
                        c));
                }
            } else {
                fs::copy_tree_at(tree.get(), "usr/etc", tree.get(), "etc");
            }
        }
        fresh.origin.etc_conflicts = result.etc_conflicts;
        fault_point("deploy-etc-merged");
        seed_var(os_fd.get(), tree.get(), progress);
        sysroot.write_origin(fresh, fresh.origin);

        // Everything the new deployment consists of is durable before it becomes visible.
        fs::syncfs_fd(sysroot.fd());
        fault_point("deploy-synced");
        if (::renameat(os_fd.get(), staging.c_str(), os_fd.get(), fresh.id().c_str()) != 0) {
            throw_errno("cannot move deployment into place", fresh.relpath());
        }
        fs::fsync_dir(os_fd.get());
        fault_point("deploy-tree-in-place");

        {
            ProgressTask task(progress, "boot");
            auto placed = boot::install_kernel(sysroot.boot_fd(), os, tree.get(), kernel);
            fresh.linux_path = placed.linux_path;
            fresh.initrd_path = placed.initrd_path;
        }
        fault_point("deploy-kernel-installed");
        std::vector<Deployment> list = retained_list(fresh, old, result.removed_deployments);
        check_cancel(progress);
        switch_boot_config(sysroot, list);  // the commit point
        progress.message(
            fmt::format("Boot configuration switched: {} is the new default", short_id));
        fault_point("deploy-switched");

        // After the switch nothing can fail the deployment; leftovers are also removed by the
        // next writer if we die here.
        try {
            for (const auto& id : result.removed_deployments) {
                fs::remove_tree_at(os_fd.get(), id);
                fs::remove_tree_at(os_fd.get(), id + ".origin");
                progress.message(fmt::format("Removed deployment {}",
                                             id.substr(0, 10) + id.substr(id.find('.'))));
            }
            std::set<std::string> kernels;
            for (const auto& d : list) {
                kernels.insert(d.linux_path);
                if (!d.initrd_path.empty())
                    kernels.insert(d.initrd_path);
            }
            boot::remove_stale_loaders(sysroot.boot_fd());
            boot::remove_unused_kernels(sysroot.boot_fd(), kernels);
        } catch (const std::exception& e) {
            spdlog::warn("cleanup after deploy failed (will be retried): {}", e.what());
        }
        result.deployment = fresh;
        return result;
    } catch (...) {
        // Not switched: the old configuration is live. Drop what this attempt created.
        try {
            fs::remove_tree_at(os_fd.get(), staging);
            auto live = sysroot.deployments();
            bool is_live = std::any_of(live.begin(), live.end(),
                                       [&](const Deployment& d) { return d.id() == fresh.id(); });
            if (!is_live) {
                fs::remove_tree_at(os_fd.get(), fresh.id());
                fs::remove_tree_at(os_fd.get(), fresh.id() + ".origin");
            }
        } catch (const std::exception& e) {
            spdlog::warn("could not remove a partial deployment: {}", e.what());
        }
        throw;
    }
}

}  // namespace deploy::sysroot
