#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

void set_pinned(Sysroot& sysroot, size_t index, bool pinned) {
    auto lock = sysroot.lock(pinned ? "pin" : "unpin");
    auto list = sysroot.deployments();
    if (index >= list.size()) {
        throw NotFoundError(
            fmt::format("no deployment with index {} (there are {})", index, list.size()));
    }
    Origin origin = list[index].origin;
    if (origin.pinned == pinned)
        return;
    origin.pinned = pinned;
    sysroot.write_origin(list[index], origin);
}

}  // namespace deploy::sysroot
