#include "default_kargs.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/bootloader/kargs_d.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::sysroot {

std::vector<std::string> tree_kargs(int tree_dirfd, const repo::Commit& commit) {
    std::vector<std::string> out;
    if (commit.metadata.contains("kernel_args") && commit.metadata["kernel_args"].is_array()) {
        for (const auto& a : commit.metadata["kernel_args"]) {
            if (a.is_string())
                out.push_back(a.get<std::string>());
        }
    }
    return boot::append_unique(std::move(out), boot::read_kargs_d(tree_dirfd));
}

std::vector<std::string> kargs_for_new_deployment(const Sysroot& sysroot,
                                                  const DeployRequest& request,
                                                  const std::vector<Deployment>& old,
                                                  const repo::Commit& commit, int tree_dirfd) {
    if (request.kargs)
        return *request.kargs;
    std::vector<std::string> new_tree = tree_kargs(tree_dirfd, commit);
    if (old.empty())
        return boot::append_unique(sysroot.default_kargs(), new_tree);

    // The default's arguments, not the booted one's: a kargs edit not yet booted into is what
    // the admin asked for last and must survive an upgrade made before the reboot.
    const Deployment& previous = old.front();
    std::vector<std::string> old_tree;
    try {
        UniqueFd previous_tree = fs::open_dir(sysroot.fd(), previous.relpath());
        old_tree = tree_kargs(previous_tree.get(), sysroot.repo().read_commit(previous.commit));
    } catch (const Error& e) {
        // Without the old tree's arguments nothing is removed; the new tree's are still added.
        spdlog::warn("kernel arguments of {}'s tree unknown ({}); keeping all current ones",
                     previous.id(), e.what());
    }
    return boot::merge_tree_kargs(previous.kargs, old_tree, new_tree);
}

}  // namespace deploy::sysroot
