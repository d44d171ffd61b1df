#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "boot_switch.hpp"
#include "deploy/bootloader/boot_config.hpp"
#include "deploy/error.hpp"
#include "deploy/sysroot/operations.hpp"
#include "retention.hpp"

namespace deploy::sysroot {

Deployment rollback(Sysroot& sysroot, Progress& progress) {
    auto lock = sysroot.lock("rollback");
    auto list = sysroot.deployments();
    // With a pending deployment, going back means booting what runs now.
    if (list.empty())
        throw NotFoundError("no deployment yet: run 'deployctl rebase REMOTE:REF' first");
    auto target = rollback_index(list);
    if (!target)
        throw NotFoundError("no rollback deployment: there is only one deployment");
    std::rotate(list.begin(), list.begin() + static_cast<long>(*target),
                list.begin() + static_cast<long>(*target) + 1);
    switch_boot_config(sysroot, list);
    progress.message("Boot configuration switched");
    // The previous loader.N is no longer live; the next writer would remove it anyway.
    try {
        boot::remove_stale_loaders(sysroot.boot_fd());
    } catch (const std::exception& e) {
        spdlog::warn("could not remove the previous boot configuration: {}", e.what());
    }
    return list.front();
}

}  // namespace deploy::sysroot
