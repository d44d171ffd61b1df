#include <algorithm>

#include <fmt/format.h>

#include "boot_switch.hpp"
#include "deploy/error.hpp"
#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

Deployment rollback(Sysroot& sysroot, Progress& progress) {
    auto lock = sysroot.lock("rollback");
    auto list = sysroot.deployments();
    auto booted = Sysroot::booted_index(list);
    size_t target;
    if (booted && *booted != 0) {
        // A pending deployment exists: going back means booting what runs now.
        target = *booted;
    } else if (list.size() >= 2) {
        target = 1;
    } else {
        throw NotFoundError("no rollback deployment: there is only one deployment");
    }
    std::rotate(list.begin(), list.begin() + static_cast<long>(target),
                list.begin() + static_cast<long>(target) + 1);
    switch_boot_config(sysroot, list);
    progress.message("Boot configuration switched");
    return list.front();
}

}  // namespace deploy::sysroot
