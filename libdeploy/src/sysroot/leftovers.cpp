#include "leftovers.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <set>

#include <fmt/format.h>

#include <spdlog/spdlog.h>

#include "deploy/bootloader/boot_config.hpp"
#include "deploy/bootloader/kernel_install.hpp"
#include "deploy/error.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::sysroot {

namespace {

bool process_alive(const std::string& pid_text) {
    try {
        pid_t pid = static_cast<pid_t>(std::stol(pid_text));
        return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
    } catch (...) {
        return false;
    }
}

// Staged object names are "<kind>-<pid>-<n>"; only those of dead writers are removed, so a
// concurrent `repo commit` into the same store is never disturbed.
void remove_dead_staging(int tmp_fd, std::vector<std::string>& removed) {
    for (const auto& name : fs::list_dir(tmp_fd)) {
        auto first = name.find('-');
        auto second = first == std::string::npos ? first : name.find('-', first + 1);
        std::string pid =
            first == std::string::npos
                ? std::string()
                : name.substr(first + 1,
                              second == std::string::npos ? std::string::npos : second - first - 1);
        if (!process_alive(pid)) {
            fs::remove_tree_at(tmp_fd, name);
            removed.push_back("repo/tmp/" + name);
        }
    }
}

// What the live boot configuration references, or nullopt when it does not parse cleanly: then
// nothing can be called a leftover, since the entry we failed to read may be the only one that
// boots a deployment.
struct LiveReferences {
    std::set<std::string> deployments;  // "/deploy/<os>/<id>"
    std::set<std::string> kernels;      // linux and initrd paths on the boot filesystem
};

std::optional<LiveReferences> live_references(const Sysroot& sysroot) {
    LiveReferences live;
    try {
        for (const auto& entry : boot::read_boot_entries(sysroot.boot_fd())) {
            std::string path = entry.deploy_path();
            if (!parse_deploy_path(path)) {
                throw CorruptError(
                    fmt::format("boot entry {}: no valid deploy= argument", entry.file_name));
            }
            live.deployments.insert(path);
            live.kernels.insert(entry.linux_path);
            if (!entry.initrd_path.empty())
                live.kernels.insert(entry.initrd_path);
        }
    } catch (const Error& e) {
        spdlog::warn(
            "not removing deployments or kernels: the live boot entries do not parse "
            "cleanly ({})",
            e.what());
        return std::nullopt;
    }
    return live;
}

}  // namespace

std::vector<std::string> remove_leftovers(Sysroot& sysroot) {
    std::vector<std::string> removed;
    auto live = live_references(sysroot);
    UniqueFd deploy_dir = live ? fs::open_dir_if_exists(sysroot.fd(), "deploy") : UniqueFd();
    if (deploy_dir) {
        for (const auto& os : fs::list_dir(deploy_dir.get())) {
            UniqueFd os_dir = fs::open_dir(deploy_dir.get(), os);
            for (const auto& name : fs::list_dir(os_dir.get())) {
                if (name == "var")
                    continue;
                std::string id = name;
                const std::string suffix = ".origin";
                if (id.size() > suffix.size() &&
                    id.compare(id.size() - suffix.size(), suffix.size(), suffix) == 0) {
                    id.resize(id.size() - suffix.size());
                }
                if (live->deployments.count("/deploy/" + os + "/" + id) != 0)
                    continue;
                fs::remove_tree_at(os_dir.get(), name);
                removed.push_back("deploy/" + os + "/" + name);
            }
        }
    }
    int before = static_cast<int>(removed.size());
    if (live) {
        boot::remove_stale_loaders(sysroot.boot_fd());
        boot::remove_unused_kernels(sysroot.boot_fd(), live->kernels);
    }
    remove_dead_staging(sysroot.repo().tmp_fd(), removed);
    for (size_t i = 0; i < removed.size(); ++i) {
        if (static_cast<int>(i) < before) {
            spdlog::warn("removed leftover of an interrupted operation: {}", removed[i]);
        } else {
            spdlog::info("removed staged object of a dead writer: {}", removed[i]);
        }
    }
    return removed;
}

}  // namespace deploy::sysroot
