#include <algorithm>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

namespace {

std::string key_of(const std::string& arg) {
    return arg.substr(0, arg.find('='));
}

void check_karg(const std::string& arg) {
    if (arg.empty() || arg.front() == '=') {
        throw InvalidError(fmt::format("invalid kernel argument '{}': empty key", arg));
    }
    for (unsigned char c : arg) {
        if (c <= ' ' || c == 0x7f || c == '"') {
            throw InvalidError(fmt::format(
                "invalid kernel argument '{}': spaces, quotes and control characters are not "
                "allowed",
                arg));
        }
    }
    if (key_of(arg) == "deploy") {
        throw InvalidError("the kernel argument 'deploy' is managed by deployd");
    }
}

}  // namespace

std::vector<std::string> apply_kargs_edit(std::vector<std::string> kargs, const KargsEdit& edit) {
    for (const auto& arg : edit.remove) {
        check_karg(arg);
        bool by_key = arg.find('=') == std::string::npos;
        auto matches = [&](const std::string& a) { return by_key ? key_of(a) == arg : a == arg; };
        auto it = std::remove_if(kargs.begin(), kargs.end(), matches);
        if (it == kargs.end()) {
            throw NotFoundError(fmt::format("kernel argument '{}' is not set", arg));
        }
        kargs.erase(it, kargs.end());
    }
    for (const auto& arg : edit.replace) {
        check_karg(arg);
        if (arg.find('=') == std::string::npos) {
            throw InvalidError(fmt::format("--replace needs KEY=VALUE, got '{}'", arg));
        }
        std::string key = key_of(arg);
        bool found = false;
        std::vector<std::string> out;
        for (const auto& a : kargs) {
            if (key_of(a) != key) {
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
    for (const auto& arg : edit.append) {
        check_karg(arg);
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

std::optional<std::vector<std::string>> edit_default_kargs(Sysroot& sysroot,
                                                           const KargsEdit& edit) {
    auto lock = sysroot.lock("kargs --sysroot-default");
    std::vector<std::string> kargs = apply_kargs_edit(sysroot.default_kargs(), edit);
    if (kargs == sysroot.default_kargs())
        return std::nullopt;
    sysroot.set_default_kargs(kargs);
    return kargs;
}

}  // namespace deploy::sysroot
