// Layering on a sysroot. The layered tree is always rebuilt from the base commit and the origin's
// requests, so install, uninstall and upgrade are one code path and the result never depends on
// the history of edits.
//
// Store protection and speed: the base is checked out with hardlinks (its files ARE the store's
// objects), and the rpm transaction sees it only through an overlay, so librpm and scriptlets
// write new files in the upper layer; the upper layer is folded in by renames, and the commit
// re-hashes only the files that are new (unchanged ones are found by inode). The rpmdb files are
// copied, not linked, because sqlite may write beside a database it only reads.
#include "deploy/layering/layer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "deploy/error.hpp"
#include "deploy/layering/repo_source.hpp"
#include "deploy/layering/resolve.hpp"
#include "deploy/layering/rpm_install.hpp"
#include "deploy/layering/signature.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/repo/commit_builder.hpp"
#include "deploy/util/fault.hpp"
#include "deploy/util/path.hpp"
#include "fetch.hpp"
#include "package_metadata.hpp"
#include "rpm_file_name.hpp"
#include "rpm_session.hpp"
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

// A stored package named by the origin; the name is checked again so an edited origin cannot point
// outside local-rpms/.
std::string local_rpm_path(const Sysroot& sysroot, const std::string& file) {
    if (!is_valid_rpm_file_name(file)) {
        throw InvalidError(fmt::format(
            "origin of sysroot {}: local package '{}' is not a NAME-VERSION-RELEASE.ARCH.rpm name",
            sysroot.path(), file));
    }
    return local_rpm_dir(sysroot) + "/" + file;
}

std::string cache_dir(const Sysroot& sysroot) {
    return absolute(sysroot.path()) + "/deploy/" + sysroot.os() + "/var/cache/deployd/rpm-md";
}

bool has_layering(const Origin& origin) {
    return !origin.requested_packages.empty() || !origin.requested_local_packages.empty() ||
           !origin.removed_packages.empty() || !origin.replaced_packages.empty();
}

// The rpmdb files of a hardlink checkout become private copies (rename over the link), so
// nothing sqlite does when it opens them can reach the stored objects.
void unshare_rpmdb(int root_fd) {
    UniqueFd db = fs::open_dir_if_exists(root_fd, std::string(rpm::kDbPath).substr(1));
    if (!db)
        return;
    for (const auto& name : fs::list_dir(db.get())) {
        struct stat st = fs::lstat_at(db.get(), name);
        if (!S_ISREG(st.st_mode))
            continue;
        const std::string tmp = "." + name + ".unshared";
        fs::remove_tree_at(db.get(), tmp);
        fs::copy_tree_at(db.get(), name, db.get(), tmp);
        if (::renameat(db.get(), tmp.c_str(), db.get(), name.c_str()) != 0)
            throw_errno("cannot replace", name);
    }
}

// Packages of file:// repos are read where they lie, in directories others may write to. What is
// checked (repo checksum, signature) and what is installed must be the same bytes, so every
// package is copied into the work directory first and the copy is checked and installed.
// The layered tree, "lower" in its own work dir: deploy renames it into place, and whatever is
// left (the overlay's upper and work dirs, the rpm copies) goes with the work dir.
class LayeredTree final : public sysroot::PreparedTree {
  public:
    explicit LayeredTree(const repo::Repo& repo) : work_(repo, "layer") {}
    int dirfd() const override { return work_.fd(); }
    const std::string& name() const override { return name_; }
    WorkDir& work() { return work_; }

  private:
    WorkDir work_;
    std::string name_ = "lower";
};

void take_private_copies(const WorkDir& work, std::vector<ResolvedPackage>& packages) {
    fs::mkdir_p_at(work.fd(), "packages", 0700);
    UniqueFd dir = fs::open_dir(work.fd(), "packages");
    for (auto& p : packages) {
        const std::string name = p.nevra + ".rpm";
        path::check_name(name, "package from " + p.path);  // the repository's metadata names it
        fs::copy_tree_at(AT_FDCWD, p.path, dir.get(), name);
        std::string copy = work.path() + "/packages/" + name;
        if (!p.sha256.empty() && file_sha256(copy) != p.sha256) {
            throw CorruptError(
                fmt::format("package {} changed while it was being read ({})", p.nevra, p.path));
        }
        p.path = copy;
    }
}

// "name-version-release.arch.rpm" -> "name" (version and release never contain '-').
std::string package_name_of_file(const std::string& file) {
    std::string nevra = file.ends_with(".rpm") ? file.substr(0, file.size() - 4) : file;
    for (int dashes = 0; dashes < 2; ++dashes) {
        auto dash = nevra.rfind('-');
        if (dash == std::string::npos)
            return file;
        nevra.resize(dash);
    }
    return nevra;
}

// Copies a local package into the OS's /var under its own NEVRA; returns the stored name.
std::string store_local_rpm(const Sysroot& sysroot, const std::string& spec,
                            std::vector<std::string>& copied) {
    std::string path = absolute(spec);
    struct stat st = fs::lstat_at(AT_FDCWD, path);
    if (!S_ISREG(st.st_mode))
        throw InvalidError(fmt::format("{}: not a regular file", spec));
    std::string name = rpm_file_nevra(path) + ".rpm";
    std::string dir = local_rpm_dir(sysroot);
    mkdir_p_absolute(dir);
    UniqueFd dir_fd = fs::open_dir(dir);
    if (!fs::exists_at(dir_fd.get(), name)) {
        const std::string tmp = "." + name + ".tmp";
        fs::remove_tree_at(dir_fd.get(), tmp);
        fs::copy_tree_at(AT_FDCWD, path, dir_fd.get(), tmp);
        if (::renameat(dir_fd.get(), tmp.c_str(), dir_fd.get(), name.c_str()) != 0)
            throw_errno("cannot store", dir + "/" + name);
        copied.push_back(dir + "/" + name);
    }
    return name;
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
    auto layered = build_layered_commit(sysroot, merge, origin.base_commit, origin, progress);
    request.commit = layered.commit;
    request.prepared_tree = std::move(layered.tree);
    request.origin = origin;
    return sysroot::deploy_commit(sysroot, request, progress);
}

}  // namespace

LayeredCommit build_layered_commit(Sysroot& sysroot, const Deployment& merge,
                                   const std::string& base, const Origin& origin,
                                   Progress& progress) {
    if (!has_layering(origin))
        return {base, nullptr};
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

    auto tree = std::make_unique<LayeredTree>(repo);
    WorkDir& work = tree->work();
    {
        ProgressTask task(progress, "checkout");
        repo::checkout_commit(repo, base, work.fd(), "lower", {}, progress);
    }
    const std::string lower = work.path() + "/lower";
    UniqueFd lower_fd = fs::open_dir(work.fd(), "lower");
    // Packages install their defaults into /etc; the tree keeps them in usr/etc. rpm must see the
    // base's files where it expects them (for %config handling), and the commit moves them back.
    // Directories of a checkout are its own, so renaming one touches no stored object.
    if (fs::exists_at(lower_fd.get(), "usr/etc") && !fs::exists_at(lower_fd.get(), "etc")) {
        if (::renameat(lower_fd.get(), "usr/etc", lower_fd.get(), "etc") != 0)
            throw_errno("cannot move usr/etc to etc in", lower);
    }
    unshare_rpmdb(lower_fd.get());

    ResolveRequest request;
    request.repos = repos;
    request.cache_dir = cache_dir(sysroot);
    request.installed_root = lower;
    request.install = origin.requested_packages;
    request.remove = origin.removed_packages;
    for (const auto& file : origin.requested_local_packages)
        request.local_rpms.push_back(local_rpm_path(sysroot, file));
    for (const auto& file : origin.replaced_packages)
        request.replace_local_rpms.push_back(local_rpm_path(sysroot, file));
    Resolution resolution = resolve(request, progress);
    take_private_copies(work, resolution.install);
    verify_package_signatures(resolution.install, repos, deployment_dir, progress);
    std::vector<std::string> names;
    for (const auto& p : resolution.install)
        names.push_back(p.nevra);
    progress.message(fmt::format("Layering {} package(s): {}", names.size(), join(names)));
    for (const auto& p : resolution.erase)
        progress.message(fmt::format("Removing base package {}", p.nevra));
    run_rpm_transaction_on_overlay(work.path(), resolution.install, resolution.erase, progress);
    fault_point("layer-installed");
    const std::string root = lower;

    repo::CommitOptions options;
    options.parent = base;
    options.version = base_commit.version;
    options.subject = fmt::format("layered on {}", base.substr(0, 12));
    options.metadata = base_commit.metadata;
    options.metadata["packages"] = package_metadata(
        root, resolution.install, base_commit.metadata.value("packages", nlohmann::json::array()));
    options.metadata["base_commit"] = base;
    options.metadata["layered_packages"] = origin.requested_packages;
    options.metadata["layered_local_packages"] = origin.requested_local_packages;
    options.metadata["removed_packages"] = origin.removed_packages;
    options.metadata["replaced_packages"] = origin.replaced_packages;
    LayeredCommit result;
    {
        ProgressTask task(progress, "commit");
        result.commit = repo::commit_tree(repo, work.fd(), "lower", options, progress).commit;
    }
    fault_point("layer-committed");
    // The tree is now exactly the commit's content (unchanged files are the store's objects, the
    // new ones were just hashed); the commit keeps defaults in usr/etc, so does the tree. Deploy
    // moves it into place instead of checking the commit out again.
    if (fs::exists_at(lower_fd.get(), "etc")) {
        if (::renameat(lower_fd.get(), "etc", lower_fd.get(), "usr/etc") != 0)
            throw_errno("cannot move etc back to usr/etc in", lower);
    }
    result.tree = std::move(tree);
    return result;
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
                std::string name = store_local_rpm(sysroot, spec, copied);
                auto& local = origin.requested_local_packages;
                if (std::find(local.begin(), local.end(), name) != local.end())
                    throw InvalidError(fmt::format("{} is already layered", name));
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
        // A local package by its file name ("localtool-2.0-1.noarch.rpm") or package name.
        auto it = std::find_if(local.begin(), local.end(), [&](const std::string& file) {
            return file == name || package_name_of_file(file) == name;
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

sysroot::DeployResult override_replace(Sysroot& sysroot, const std::vector<std::string>& rpm_files,
                                       Progress& progress) {
    if (rpm_files.empty())
        throw InvalidError("override replace: at least one FILE.rpm is required");
    for (const auto& file : rpm_files) {
        if (!ends_with(file, ".rpm"))
            throw InvalidError(fmt::format("override replace: '{}' is not a .rpm file", file));
    }
    auto lock = sysroot.lock("override replace " + join(rpm_files));
    auto list = sysroot.deployments();
    const Deployment& merge = require_merge(list);
    Origin origin = merge.origin;
    std::vector<std::string> copied;
    try {
        for (const auto& spec : rpm_files) {
            std::string name = store_local_rpm(sysroot, spec, copied);
            auto& replaced = origin.replaced_packages;
            // A newer replacement of the same package takes the older one's place.
            std::erase_if(replaced, [&](const std::string& old) {
                return package_name_of_file(old) == package_name_of_file(name);
            });
            replaced.push_back(name);
        }
        return deploy_layered(sysroot, merge, origin, progress);
    } catch (...) {
        for (const auto& path : copied)
            ::unlink(path.c_str());
        throw;
    }
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
    auto& replaced = origin.replaced_packages;
    if (all) {
        if (removed.empty() && replaced.empty())
            throw InvalidError("override reset: there are no overrides");
        removed.clear();
        replaced.clear();
    }
    for (const auto& name : names) {
        if (auto it = std::find(removed.begin(), removed.end(), name); it != removed.end()) {
            removed.erase(it);
            continue;
        }
        auto it = std::find_if(replaced.begin(), replaced.end(), [&](const std::string& file) {
            return file == name || package_name_of_file(file) == name;
        });
        if (it == replaced.end())
            throw NotFoundError(fmt::format("package '{}' is not overridden", name));
        replaced.erase(it);
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
