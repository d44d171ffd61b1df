// Turning a deployment list into the live boot configuration.
#pragma once

#include <vector>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/sysroot/sysroot.hpp"

namespace deploy::sysroot {

boot::BootEntry boot_entry_for(const Deployment& d);

// Makes `list` (boot order, first = default) the live configuration with one atomic switch.
// Returns false when it already is.
bool switch_boot_config(Sysroot& sysroot, const std::vector<Deployment>& list);

}  // namespace deploy::sysroot
