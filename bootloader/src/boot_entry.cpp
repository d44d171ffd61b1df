#include "deploy/bootloader/boot_entry.hpp"

#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "deploy/error.hpp"

namespace deploy::boot {

namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view s) {
    size_t begin = s.find_first_not_of(kWhitespace);
    if (begin == std::string_view::npos)
        return {};
    size_t end = s.find_last_not_of(kWhitespace);
    return s.substr(begin, end - begin + 1);
}

// A value is one line of the file: a newline in a title or an option would let it smuggle in
// another key (e.g. a second `linux`), so such values are refused instead of written.
void check_value(std::string_view key, const std::string& value, const std::string& file_name) {
    if (value.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) {
        throw InvalidError(
            fmt::format("boot entry {}: {} contains a line break or NUL", file_name, key));
    }
}

// blscfg pastes `linux` and `initrd` into a GRUB script line unquoted, and a space would split
// the path: only the characters our own paths are made of (os name, checksum, kernel version).
void check_boot_path(std::string_view key, const std::string& value, const std::string& file_name) {
    for (char c : value) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("._+~/-").find(c) != std::string_view::npos;
        if (!ok) {
            throw InvalidError(
                fmt::format("boot entry {}: {} path '{}' contains '{}'", file_name, key, value, c));
        }
    }
}

}  // namespace

std::string BootEntry::render() const {
    if (linux_path.empty()) {
        throw InvalidError(fmt::format("boot entry {}: no linux path", file_name));
    }
    check_boot_path("linux", linux_path, file_name);
    check_boot_path("initrd", initrd_path, file_name);
    // The last gate before a bootloader reads it, whatever the arguments came from.
    check_kernel_cmdline(options, fmt::format("boot entry {}", file_name));
    const std::pair<std::string_view, const std::string*> fields[] = {
        {"title", &title},        {"version", &version}, {"linux", &linux_path},
        {"initrd", &initrd_path}, {"options", &options}, {"sort-key", &sort_key},
    };
    std::string out;
    for (const auto& [key, value] : fields) {
        if (value->empty())
            continue;  // BLS has no notion of an empty key; absent means empty
        check_value(key, *value, file_name);
        out += fmt::format("{} {}\n", key, *value);
    }
    return out;
}

BootEntry BootEntry::parse(const std::string& text, const std::string& file_name) {
    BootEntry entry;
    entry.file_name = file_name;
    bool have_linux = false;
    bool have_options = false;
    std::string_view rest(text);
    while (!rest.empty()) {
        size_t eol = rest.find('\n');
        std::string_view line = trim(rest.substr(0, eol));
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
        if (!line.empty() && line.back() == '\r')
            line = trim(line.substr(0, line.size() - 1));
        if (line.empty() || line.front() == '#')
            continue;

        size_t sep = line.find_first_of(kWhitespace);
        std::string_view key = line.substr(0, sep);
        std::string value(sep == std::string_view::npos ? std::string_view()
                                                        : trim(line.substr(sep)));
        // BLS allows repeated initrd lines; we only ever write one, so the first one wins.
        if (key == "title") {
            entry.title = std::move(value);
        } else if (key == "version") {
            entry.version = std::move(value);
        } else if (key == "linux") {
            entry.linux_path = std::move(value);
            have_linux = true;
        } else if (key == "initrd") {
            if (entry.initrd_path.empty())
                entry.initrd_path = std::move(value);
        } else if (key == "options") {
            entry.options = std::move(value);
            have_options = true;
        } else if (key == "sort-key") {
            entry.sort_key = std::move(value);
        }
        // Other BLS keys (machine-id, devicetree, ...) are not ours to interpret.
    }
    if (!have_linux || entry.linux_path.empty()) {
        throw InvalidError(fmt::format("boot entry {}: missing key 'linux'", file_name));
    }
    // Without options there is no deploy= and the entry could not boot a deployment.
    if (!have_options) {
        throw InvalidError(fmt::format("boot entry {}: missing key 'options'", file_name));
    }
    return entry;
}

std::string BootEntry::deploy_path() const {
    constexpr std::string_view prefix = "deploy=";
    std::string found;
    int count = 0;
    for (const auto& arg : split_kernel_args(options)) {
        if (arg.compare(0, prefix.size(), prefix) != 0)
            continue;
        std::string value = arg.substr(prefix.size());
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        if (++count > 1) {
            throw InvalidError(fmt::format("boot entry {}: several deploy= arguments ({}, {})",
                                           file_name, found, value));
        }
        found = std::move(value);
    }
    return found;
}

}  // namespace deploy::boot
