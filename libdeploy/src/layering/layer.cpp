// Layering on a sysroot. The layered tree is always rebuilt from the base commit and the origin's
// requests, so install, uninstall and upgrade are one code path and the result never depends on
// the history of edits.
//
// Store protection: the base is checked out in Copy mode, so librpm writes only to files of its
// own; nothing it does can reach an object of the store or another deployment (those are
// hardlink farms). The speed follow-up is an overlay (or link-breaking on first write) so only
// the changed files are written and hashed.
#include "deploy/layering/layer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "deploy/error.hpp"
#include "deploy/layering/repo_source.hpp"
#include "deploy/layering/resolve.hpp"
#include "deploy/layering/rpm_install.hpp"
#include "deploy/layering/signature.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/repo/commit_builder.hpp"
#include "fetch.hpp"
#include "package_metadata.hpp"
#include "work_dir.hpp"

namespace deploy::layering {

using sysroot::Deployment;
using sysroot::Origin;
using sysroot::Sysroot;

namespace {

std::string absolute(const std::string& path) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real)
        throw_errno("cannot resolve", path);
    std::string out = real;
    ::free(real);
    return out;
}

// Local packages are kept in the OS's /var so upgrades can re-apply them.
std::string local_rpm_dir(const Sysroot& sysroot) {
    return absolute(sysroot.path()) + "/deploy/" + sysroot.os() + "/var/lib/deployd/local-rpms";
}

std::string cache_dir(const Sysroot& sysroot) {
    return absolute(sysroot.path()) + "/deploy/" + sysroot.os() + "/var/cache/deployd/rpm-md";
}

bool has_layering(const Origin& origin) {
    return !origin.requested_packages.empty() || !origin.requested_local_packages.empty() ||
           !origin.removed_packages.empty();
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

const Deployment& require_merge(const std::vector<Deployment>& list) {
    auto merge = Sysroot::merge_index(list);
    if (!merge)
        throw NotFoundError("no deployment yet: run 'deployctl rebase REMOTE:REF' first");
    return list[*merge];
}

std::string base_of(const Deployment& d) {
    return d.origin.base_commit.empty() ? d.commit : d.origin.base_commit;
}

sysroot::DeployResult deploy_layered(Sysroot& sysroot, const Deployment& merge, Origin origin,
                                     Progress& progress) {
    origin.base_commit = base_of(merge);
    origin.pinned = false;
    origin.etc_conflicts.clear();
    sysroot::DeployRequest request;
    request.commit = build_layered_commit(sysroot, merge, origin.base_commit, origin, progress);
    request.origin = origin;
    return sysroot::deploy_commit(sysroot, request, progress);
}

}  // namespace

std::string build_layered_commit(Sysroot& sysroot, const Deployment& merge, const std::string& base,
                                 const Origin& origin, Progress& progress) {
    if (!has_layering(origin))
        return base;
    auto& repo = sysroot.repo();
    repo::Commit base_commit = repo.read_commit(base);
    const std::string deployment_dir = absolute(sysroot.path()) + "/" + merge.relpath();
    auto repos = read_repo_files(deployment_dir + "/etc/yum.repos.d");
    if (!origin.requested_packages.empty() &&
        std::none_of(repos.begin(), repos.end(), [](const auto& r) { return r.enabled; })) {
        throw NotFoundError(fmt::format(
            "no enabled repository in /etc/yum.repos.d of deployment {}: add a .repo file there",
            merge.id()));
    }

    WorkDir work(repo, "layer");
    {
        ProgressTask task(progress, "checkout");
        repo::CheckoutOptions options;
        options.mode = repo::CheckoutMode::Copy;
        repo::checkout_commit(repo, base, work.fd(), "root", options, progress);
    }
    const std::string root = work.path() + "/root";
    // Packages install their defaults into /etc; the tree keeps them in usr/etc. rpm must see the
    // base's files where it expects them (for %config handling), and the commit moves them back.
    UniqueFd root_fd = fs::open_dir(work.fd(), "root");
    if (fs::exists_at(root_fd.get(), "usr/etc") && !fs::exists_at(root_fd.get(), "etc")) {
        if (::renameat(root_fd.get(), "usr/etc", root_fd.get(), "etc") != 0)
            throw_errno("cannot move usr/etc to etc in", root);
    }

    ResolveRequest request;
    request.repos = repos;
    request.cache_dir = cache_dir(sysroot);
    request.installed_root = root;
    request.install = origin.requested_packages;
    request.remove = origin.removed_packages;
    for (const auto& file : origin.requested_local_packages)
        request.local_rpms.push_back(local_rpm_dir(sysroot) + "/" + file);
    Resolution resolution = resolve(request, progress);
    verify_package_signatures(resolution.install, repos, deployment_dir, progress);
    std::vector<std::string> names;
    for (const auto& p : resolution.install)
        names.push_back(p.nevra);
    progress.message(fmt::format("Layering {} package(s): {}", names.size(), join(names)));
    run_rpm_transaction(root, resolution.install, resolution.erase, progress);

    repo::CommitOptions options;
    options.parent = base;
    options.version = base_commit.version;
    options.subject = fmt::format("layered on {}", base.substr(0, 12));
    for (const auto& p : resolution.erase)
        progress.message(fmt::format("Removing base package {}", p.nevra));
    options.metadata = base_commit.metadata;
    options.metadata["packages"] = package_metadata(
        root, resolution.install, base_commit.metadata.value("packages", nlohmann::json::array()));
    options.metadata["base_commit"] = base;
    options.metadata["layered_packages"] = origin.requested_packages;
    options.metadata["layered_local_packages"] = origin.requested_local_packages;
    options.metadata["removed_packages"] = origin.removed_packages;
    ProgressTask task(progress, "commit");
    return repo::commit_tree(repo, work.fd(), "root", options, progress).commit;
}

sysroot::DeployResult install_packages(Sysroot& sysroot, const std::vector<std::string>& specs,
                                       Progress& progress) {
    if (specs.empty())
        throw InvalidError("install: at least one package or FILE.rpm is required");
    auto lock = sysroot.lock("install " + join(specs));
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    Origin origin = merge.origin;
    std::vector<std::string> copied;
    try {
        for (const auto& spec : specs) {
            if (ends_with(spec, ".rpm")) {
                std::string path = absolute(spec);
                std::string name = path.substr(path.rfind('/') + 1);
                auto& local = origin.requested_local_packages;
                if (std::find(local.begin(), local.end(), name) != local.end())
                    throw InvalidError(fmt::format("{} is already layered", name));
                std::string dir = local_rpm_dir(sysroot);
                mkdir_p_absolute(dir);
                UniqueFd dir_fd = fs::open_dir(dir);
                fs::remove_tree_at(dir_fd.get(), name);
                fs::copy_tree_at(AT_FDCWD, path, dir_fd.get(), name);
                copied.push_back(dir + "/" + name);
                local.push_back(name);
            } else {
                auto& requested = origin.requested_packages;
                if (std::find(requested.begin(), requested.end(), spec) != requested.end())
                    throw InvalidError(fmt::format("package '{}' is already requested", spec));
                requested.push_back(spec);
            }
        }
        return deploy_layered(sysroot, merge, origin, progress);
    } catch (...) {
        for (const auto& path : copied)
            ::unlink(path.c_str());
        throw;
    }
}

sysroot::DeployResult uninstall_packages(Sysroot& sysroot, const std::vector<std::string>& names,
                                         Progress& progress) {
    if (names.empty())
        throw InvalidError("uninstall: at least one package is required");
    auto lock = sysroot.lock("uninstall " + join(names));
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    Origin origin = merge.origin;
    for (const auto& name : names) {
        auto& requested = origin.requested_packages;
        auto& local = origin.requested_local_packages;
        if (auto it = std::find(requested.begin(), requested.end(), name); it != requested.end()) {
            requested.erase(it);
            continue;
        }
        // A local package by its file name or its package name ("localtool-2.0-1.noarch.rpm").
        auto it = std::find_if(local.begin(), local.end(), [&](const std::string& file) {
            return file == name || file.rfind(name + "-", 0) == 0;
        });
        if (it == local.end()) {
            std::vector<std::string> layered = requested;
            layered.insert(layered.end(), local.begin(), local.end());
            throw NotFoundError(fmt::format("package '{}' is not layered (layered: {})", name,
                                            layered.empty() ? "none" : join(layered)));
        }
        local.erase(it);
    }
    return deploy_layered(sysroot, merge, origin, progress);
}

sysroot::DeployResult override_remove(Sysroot& sysroot, const std::vector<std::string>& names,
                                      Progress& progress) {
    if (names.empty())
        throw InvalidError("override remove: at least one package is required");
    auto lock = sysroot.lock("override remove " + join(names));
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    Origin origin = merge.origin;
    for (const auto& name : names) {
        auto& removed = origin.removed_packages;
        if (std::find(removed.begin(), removed.end(), name) != removed.end())
            throw InvalidError(fmt::format("package '{}' is already removed", name));
        removed.push_back(name);
    }
    return deploy_layered(sysroot, merge, origin, progress);
}

sysroot::DeployResult override_replace(Sysroot&, const std::vector<std::string>& rpm_files,
                                       Progress&) {
    if (rpm_files.empty())
        throw InvalidError("override replace: at least one FILE.rpm is required");
    throw Error(ErrorKind::Failed, "override replace is not implemented yet");
}

sysroot::DeployResult override_reset(Sysroot& sysroot, const std::vector<std::string>& names,
                                     bool all, Progress& progress) {
    if (names.empty() && !all)
        throw InvalidError("override reset: give packages or --all");
    auto lock = sysroot.lock("override reset");
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    Origin origin = merge.origin;
    auto& removed = origin.removed_packages;
    if (all) {
        if (removed.empty())
            throw InvalidError("override reset: there are no overrides");
        removed.clear();
    }
    for (const auto& name : names) {
        auto it = std::find(removed.begin(), removed.end(), name);
        if (it == removed.end())
            throw NotFoundError(fmt::format("package '{}' is not overridden", name));
        removed.erase(it);
    }
    return deploy_layered(sysroot, merge, origin, progress);
}

sysroot::DeployResult reset_layering(Sysroot& sysroot, Progress& progress) {
    auto lock = sysroot.lock("reset");
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    Origin origin = merge.origin;
    origin.requested_packages.clear();
    origin.requested_local_packages.clear();
    origin.removed_packages.clear();
    origin.replaced_packages.clear();
    return deploy_layered(sysroot, merge, origin, progress);
}

}  // namespace deploy::layering
