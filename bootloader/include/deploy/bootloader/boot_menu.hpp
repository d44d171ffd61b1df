// The boot menu settings: the [Boot] section of /etc/deployd.conf.
//
//   [Boot]
//   Timeout=5              seconds the menu waits (0 = boot the default at once), 0-3600
//   Terminal=console       console | serial | both (where the menu and GRUB's messages go)
//   SerialSpeed=115200     baud rate of the serial terminal (serial, both)
//   SerialUnit=0           serial port (0 = ttyS0/COM1)
//
// The engine reads it from the booted deployment's etc/ (else the new default's), at every boot
// configuration switch, so an edit takes effect with the next deploy, kargs edit or rollback.
#pragma once

#include <string>

namespace deploy::boot {

enum class MenuTerminal { Console, Serial, Both };

struct BootMenu {
    unsigned timeout_seconds = 5;
    MenuTerminal terminal = MenuTerminal::Console;
    unsigned serial_speed = 115200;
    unsigned serial_unit = 0;
};

// Applies one KEY=VALUE of the [Boot] section; InvalidError "<where>: ..." for an unknown key or
// a bad value (a typo must not silently become a default).
void apply_boot_menu_setting(BootMenu& menu, const std::string& key, const std::string& value,
                             const std::string& where);

// The [Boot] section of a deployd.conf text (other sections are the daemon's and skipped);
// `path` names the file in errors.
BootMenu parse_boot_menu(const std::string& text, const std::string& path);

// etc/deployd.conf beneath tree_dirfd (a deployment), defaults when it does not exist.
BootMenu read_boot_menu(int tree_dirfd, const std::string& tree_name);

}  // namespace deploy::boot
