#include "deploy/bootloader/boot_menu.hpp"

#include <fcntl.h>

#include <charconv>
#include <initializer_list>
#include <sstream>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/text.hpp"

namespace deploy::boot {

namespace {

using deploy::text::trim;

unsigned parse_number(const std::string& value, unsigned max, const std::string& what) {
    unsigned out = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || out > max)
        throw InvalidError(fmt::format("{} must be a number 0-{}, got '{}'", what, max, value));
    return out;
}

}  // namespace

void apply_boot_menu_setting(BootMenu& menu, const std::string& key, const std::string& value,
                             const std::string& where) {
    if (key == "Timeout") {
        menu.timeout_seconds = parse_number(value, 3600, where + ": Timeout (seconds)");
    } else if (key == "Terminal") {
        if (value == "console") {
            menu.terminal = MenuTerminal::Console;
        } else if (value == "serial") {
            menu.terminal = MenuTerminal::Serial;
        } else if (value == "both") {
            menu.terminal = MenuTerminal::Both;
        } else {
            throw InvalidError(fmt::format("{}: Terminal must be console, serial or both, got '{}'",
                                           where, value));
        }
    } else if (key == "SerialSpeed") {
        unsigned speed = parse_number(value, 921600, where + ": SerialSpeed");
        bool known = false;
        for (unsigned s : {1200u, 2400u, 4800u, 9600u, 19200u, 38400u, 57600u, 115200u, 230400u,
                           460800u, 921600u}) {
            known = known || s == speed;
        }
        if (!known)
            throw InvalidError(
                fmt::format("{}: SerialSpeed {} is not a standard baud rate", where, value));
        menu.serial_speed = speed;
    } else if (key == "SerialUnit") {
        menu.serial_unit = parse_number(value, 3, where + ": SerialUnit");
    } else {
        throw InvalidError(fmt::format(
            "{}: unknown key '{}' in [Boot] (known: Timeout, Terminal, SerialSpeed, SerialUnit)",
            where, key));
    }
}

BootMenu parse_boot_menu(const std::string& text, const std::string& path) {
    BootMenu menu;
    std::istringstream in(text);
    std::string line;
    bool in_boot = false;
    for (int number = 1; std::getline(in, line); ++number) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';')
            continue;
        if (line.front() == '[') {
            in_boot = line == "[Boot]";
            continue;
        }
        if (!in_boot)
            continue;
        std::string where = fmt::format("{}:{}", path, number);
        auto eq = line.find('=');
        if (eq == std::string::npos)
            throw InvalidError(fmt::format("{}: expected KEY=VALUE", where));
        apply_boot_menu_setting(menu, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), where);
    }
    return menu;
}

BootMenu read_boot_menu(int tree_dirfd, const std::string& tree_name) {
    const std::string rel = "etc/deployd.conf";
    if (!fs::exists_at(tree_dirfd, rel))
        return {};
    return parse_boot_menu(fs::read_file_at(tree_dirfd, rel), tree_name + "/" + rel);
}

}  // namespace deploy::boot
