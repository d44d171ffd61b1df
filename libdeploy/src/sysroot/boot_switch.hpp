// Turning a deployment list into the live boot configuration.
#pragma once

#include <vector>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/bootloader/boot_menu.hpp"
#include "deploy/sysroot/sysroot.hpp"

namespace deploy::sysroot {

boot::BootEntry boot_entry_for(const Deployment& d);

// The [Boot] menu settings from etc/deployd.conf of the booted deployment in `list`, else of its
// first (the new default); defaults when there is none.
boot::BootMenu boot_menu_for(const Sysroot& sysroot, const std::vector<Deployment>& list);

// Makes `list` (boot order, first = default) the live configuration with one atomic switch.
// Kernel paths get the layout's prefix. Returns false when it already is.
bool switch_boot_config(Sysroot& sysroot, const std::vector<Deployment>& list);

}  // namespace deploy::sysroot
