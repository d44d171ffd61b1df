#include <algorithm>

#include <fmt/format.h>

#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/error.hpp"
#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

namespace {

// Arguments stored by older versions may not be canonical (or valid); they are compared as they
// are, and deploy_commit() refuses them if they are kept.
std::string canonical_or_raw(const std::string& arg) {
    try {
        return boot::normalize_kernel_arg(arg);
    } catch (const InvalidError&) {
        return arg;
    }
}

}  // namespace

std::vector<std::string> apply_kargs_edit(std::vector<std::string> kargs, const KargsEdit& edit) {
    for (auto& a : kargs)
        a = canonical_or_raw(a);
    using boot::kernel_arg_key;
    for (const auto& given : edit.remove) {
        std::string arg = boot::normalize_kernel_arg(given);
        bool by_key = arg.find('=') == std::string::npos;
        auto matches = [&](const std::string& a) {
            return by_key ? kernel_arg_key(a) == arg : a == arg;
        };
        auto it = std::remove_if(kargs.begin(), kargs.end(), matches);
        if (it == kargs.end()) {
            throw NotFoundError(fmt::format("kernel argument '{}' is not set", arg));
        }
        kargs.erase(it, kargs.end());
    }
    for (const auto& given : edit.replace) {
        std::string arg = boot::normalize_kernel_arg(given);
        if (arg.find('=') == std::string::npos) {
            throw InvalidError(fmt::format("--replace needs KEY=VALUE, got '{}'", given));
        }
        std::string key = kernel_arg_key(arg);
        bool found = false;
        std::vector<std::string> out;
        for (const auto& a : kargs) {
            if (kernel_arg_key(a) != key) {
                out.push_back(a);
            } else if (!found) {
                out.push_back(arg);  // first occurrence keeps its position
                found = true;
            }
        }
        if (!found)
            throw NotFoundError(fmt::format("kernel argument '{}' is not set", key));
        kargs = std::move(out);
    }
    for (const auto& given : edit.append) {
        std::string arg = boot::normalize_kernel_arg(given);
        if (std::find(kargs.begin(), kargs.end(), arg) == kargs.end())
            kargs.push_back(arg);
    }
    return kargs;
}

std::optional<DeployResult> edit_kargs(Sysroot& sysroot, const KargsEdit& edit,
                                       Progress& progress) {
    auto lock = sysroot.lock("kargs");
    auto list = sysroot.deployments();
    if (list.empty())
        throw NotFoundError("no deployment yet: nothing to set kernel arguments on");
    const Deployment& current = list.front();
    std::vector<std::string> kargs = apply_kargs_edit(current.kargs, edit);
    if (kargs == current.kargs) {
        progress.message("Kernel arguments unchanged");
        return std::nullopt;
    }
    // A new deployment of the same commit (a hardlink checkout: cheap) keeps the old arguments
    // one rollback away.
    DeployRequest request;
    request.commit = current.commit;
    request.origin = current.origin;
    request.kargs = kargs;
    return deploy_commit(sysroot, request, progress);
}

}  // namespace deploy::sysroot
