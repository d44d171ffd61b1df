#include "boot_switch.hpp"

#include <fmt/format.h>

#include "deploy/bootloader/boot_config.hpp"

namespace deploy::sysroot {

boot::BootEntry boot_entry_for(const Deployment& d) {
    boot::BootEntry entry;
    std::string version = d.version.empty() ? "(no version)" : d.version;
    entry.title = fmt::format("{} {} ({}.{})", d.os, version, d.commit.substr(0, 10), d.serial);
    entry.version = d.version.empty() ? d.commit.substr(0, 10) : d.version;
    entry.linux_path = d.linux_path;
    entry.initrd_path = d.initrd_path;
    std::vector<std::string> args = d.kargs;
    args.push_back("deploy=" + d.boot_path());
    entry.options = boot::join_kernel_args(args);
    return entry;
}

bool switch_boot_config(Sysroot& sysroot, const std::vector<Deployment>& list) {
    std::vector<boot::BootEntry> entries;
    entries.reserve(list.size());
    for (const auto& d : list)
        entries.push_back(boot_entry_for(d));
    return boot::write_boot_entries(sysroot.boot_fd(), std::move(entries));
}

}  // namespace deploy::sysroot
