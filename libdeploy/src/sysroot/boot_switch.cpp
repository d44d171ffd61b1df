#include "boot_switch.hpp"

#include <fmt/format.h>

#include "deploy/bootloader/boot_config.hpp"
#include "deploy/bootloader/boot_layout.hpp"
#include "deploy/bootloader/boot_menu.hpp"
#include "deploy/util/fs.hpp"

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

boot::BootMenu boot_menu_for(const Sysroot& sysroot, const std::vector<Deployment>& list) {
    // The booted deployment's /etc is the one the admin edits; without one (an image being
    // built, a fresh sysroot) the new default's configuration, i.e. the tree's.
    const Deployment* source = list.empty() ? nullptr : &list.front();
    for (const auto& d : list) {
        if (d.booted)
            source = &d;
    }
    if (!source)
        return {};
    UniqueFd tree = fs::open_dir_if_exists(sysroot.fd(), source->relpath());
    if (!tree)
        return {};
    return boot::read_boot_menu(tree.get(), source->relpath());
}

bool switch_boot_config(Sysroot& sysroot, const std::vector<Deployment>& list) {
    std::vector<boot::BootEntry> entries;
    entries.reserve(list.size());
    for (const auto& d : list)
        entries.push_back(boot_entry_for(d));
    boot::BootWriteOptions options;
    options.path_prefix = sysroot.boot_path_prefix();
    options.menu = boot_menu_for(sysroot, list);
    return boot::write_boot_entries(sysroot.boot_fd(), std::move(entries), options);
}

}  // namespace deploy::sysroot
