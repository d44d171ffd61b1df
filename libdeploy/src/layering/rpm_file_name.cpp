#include "rpm_file_name.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "deploy/error.hpp"

namespace deploy::layering {

namespace {

constexpr size_t kMaxPart = 128;
constexpr size_t kMaxFileName = 255;  // NAME_MAX

bool allowed_char(char c, bool dash_allowed) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '+' || c == '~' || c == '^' || (dash_allowed && c == '-');
}

// Empty when the part is fine, else why not.
std::string part_problem(const std::string& value, bool dash_allowed) {
    if (value.empty())
        return "is empty";
    if (value.size() > kMaxPart)
        return fmt::format("is longer than {} characters", kMaxPart);
    if (value.front() == '.' || value.front() == '-')
        return "starts with '.' or '-'";
    if (value.find("..") != std::string::npos)
        return "contains '..'";
    auto bad = std::find_if(value.begin(), value.end(),
                            [&](char c) { return !allowed_char(c, dash_allowed); });
    if (bad != value.end()) {
        auto byte = static_cast<unsigned char>(*bad);
        return std::isprint(byte) ? fmt::format("contains '{}'", *bad)
                                  : fmt::format("contains the byte 0x{:02x}", byte);
    }
    return "";
}

// Printable even when the value is hostile: control bytes as \xNN, long values cut.
std::string shown(const std::string& value) {
    std::string out;
    for (char c : value.substr(0, 64)) {
        auto byte = static_cast<unsigned char>(c);
        out += std::isprint(byte) ? std::string(1, c) : fmt::format("\\x{:02x}", byte);
    }
    return value.size() > 64 ? out + "..." : out;
}

}  // namespace

std::string rpm_file_name(const std::string& name, const std::string& version,
                          const std::string& release, const std::string& arch,
                          const std::string& what) {
    struct Part {
        const char* field;
        const std::string& value;
        bool dash_allowed;
    };
    for (const Part& p : {Part{"name", name, true}, Part{"version", version, false},
                          Part{"release", release, false}, Part{"arch", arch, false}}) {
        std::string problem = part_problem(p.value, p.dash_allowed);
        if (!problem.empty()) {
            throw InvalidError(fmt::format("{}: package {} '{}' {}: not usable in a file name",
                                           what, p.field, shown(p.value), problem));
        }
    }
    std::string file = fmt::format("{}-{}-{}.{}.rpm", name, version, release, arch);
    if (file.size() > kMaxFileName) {
        throw InvalidError(
            fmt::format("{}: package NAME-VERSION-RELEASE.ARCH is too long for a file name", what));
    }
    return file;
}

bool is_valid_rpm_file_name(const std::string& file) {
    const std::string suffix = ".rpm";
    if (file.size() <= suffix.size() || file.size() > kMaxFileName || !file.ends_with(suffix))
        return false;
    std::string nevra = file.substr(0, file.size() - suffix.size());
    auto dot = nevra.rfind('.');
    if (dot == std::string::npos)
        return false;
    std::string arch = nevra.substr(dot + 1);
    nevra.resize(dot);
    auto release_dash = nevra.rfind('-');
    if (release_dash == std::string::npos)
        return false;
    auto version_dash = nevra.rfind('-', release_dash - 1);
    if (version_dash == std::string::npos || release_dash == 0)
        return false;
    try {
        rpm_file_name(nevra.substr(0, version_dash),
                      nevra.substr(version_dash + 1, release_dash - version_dash - 1),
                      nevra.substr(release_dash + 1), arch, "");
    } catch (const InvalidError&) {
        return false;
    }
    return true;
}

}  // namespace deploy::layering
