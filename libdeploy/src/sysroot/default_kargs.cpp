#include "default_kargs.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/bootloader/kargs_d.hpp"
#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::sysroot {

namespace {

// A commit's metadata is as untrusted as a user's input: the one validation applies.
std::vector<std::string> commit_kargs(const repo::Commit& commit, const std::string& commit_id) {
    const std::string where = fmt::format("commit {}: metadata kernel_args", commit_id);
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

std::vector<std::string> tree_kargs(int tree_dirfd, const repo::Commit& commit,
                                    const std::string& commit_id) {
    return boot::append_unique(commit_kargs(commit, commit_id), boot::read_kargs_d(tree_dirfd));
}

std::vector<std::string> kargs_for_new_deployment(const Sysroot& sysroot,
                                                  const DeployRequest& request,
                                                  const std::vector<Deployment>& old,
                                                  const repo::Commit& commit, int tree_dirfd) {
    if (request.kargs)
        return boot::normalize_kernel_args(*request.kargs);
    std::vector<std::string> new_tree = tree_kargs(tree_dirfd, commit, request.commit);
    if (old.empty())
        return boot::append_unique(boot::normalize_kernel_args(sysroot.default_kargs()), new_tree);

    // The default's arguments, not the booted one's: a kargs edit not yet booted into is what
    // the admin asked for last and must survive an upgrade made before the reboot.
    const Deployment& previous = old.front();
    std::vector<std::string> current;
    try {
        current = boot::normalize_kernel_args(previous.kargs);
    } catch (const InvalidError& e) {
        throw InvalidError(fmt::format(
            "kernel arguments of the default deployment: {}; remove it with 'kargs --delete'",
            e.what()));
    }
    std::vector<std::string> old_tree;
    try {
        UniqueFd previous_tree = fs::open_dir(sysroot.fd(), previous.relpath());
        old_tree = tree_kargs(previous_tree.get(), sysroot.repo().read_commit(previous.commit),
                              previous.commit);
    } catch (const Error& e) {
        // Without the old tree's arguments nothing is removed; the new tree's are still added.
        spdlog::warn("kernel arguments of {}'s tree unknown ({}); keeping all current ones",
                     previous.id(), e.what());
    }
    return boot::merge_tree_kargs(current, old_tree, new_tree);
}

}  // namespace deploy::sysroot
