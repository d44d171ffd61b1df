#include "config.hpp"

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/text.hpp"

namespace deployd {

namespace {

using deploy::text::trim;

unsigned parse_seconds(const std::string& value, const std::string& where) {
    unsigned out = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || out > 86400) {
        throw deploy::InvalidError(fmt::format(
            "{}: IdleExitTimeout must be a number of seconds (0-86400), got '{}'", where, value));
    }
    return out;
}

AutomaticUpdatePolicy parse_policy(const std::string& value, const std::string& where) {
    if (value == "none")
        return AutomaticUpdatePolicy::None;
    if (value == "check")
        return AutomaticUpdatePolicy::Check;
    if (value == "stage")
        return AutomaticUpdatePolicy::Stage;
    throw deploy::InvalidError(fmt::format(
        "{}: AutomaticUpdatePolicy must be none, check or stage, got '{}'", where, value));
}

// A positive number no larger than 10000 (fractional when `fraction`).
double parse_limit(const std::string& value, const std::string& where, const char* key,
                   bool fraction) {
    double out = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    bool whole = out == double(static_cast<long>(out));
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || !(out > 0) ||
        out > 10000 || (!fraction && !whole)) {
        throw deploy::InvalidError(fmt::format("{}: {} must be a {} number (up to 10000), got '{}'",
                                               where, key, fraction ? "positive" : "positive whole",
                                               value));
    }
    return out;
}

}  // namespace

const char* policy_name(AutomaticUpdatePolicy policy) {
    switch (policy) {
        case AutomaticUpdatePolicy::None:
            return "none";
        case AutomaticUpdatePolicy::Check:
            return "check";
        case AutomaticUpdatePolicy::Stage:
            return "stage";
    }
    return "none";
}

DaemonConfig parse_config(const std::string& text, const std::string& path) {
    DaemonConfig config;
    std::istringstream in(text);
    std::string line;
    std::string section;
    for (int number = 1; std::getline(in, line); ++number) {
        std::string where = fmt::format("{}:{}", path, number);
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';')
            continue;
        if (line.front() == '[') {
            if (line.back() != ']')
                throw deploy::InvalidError(fmt::format("{}: malformed section header", where));
            section = line.substr(1, line.size() - 2);
            if (section != "Daemon" && section != "Boot") {
                throw deploy::InvalidError(fmt::format(
                    "{}: unknown section [{}] (expected [Daemon] or [Boot])", where, section));
            }
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos)
            throw deploy::InvalidError(fmt::format("{}: expected KEY=VALUE", where));
        if (section.empty())
            throw deploy::InvalidError(fmt::format("{}: key outside of [Daemon] or [Boot]", where));
        std::string key = trim(line.substr(0, eq));
        std::string value = trim(line.substr(eq + 1));
        if (section == "Boot") {
            // Checked here so a typo stops the daemon at start, not the next deploy.
            deploy::boot::apply_boot_menu_setting(config.boot, key, value, where);
        } else if (key == "IdleExitTimeout") {
            config.idle_exit_seconds = parse_seconds(value, where);
        } else if (key == "AutomaticUpdatePolicy") {
            config.automatic_update_policy = parse_policy(value, where);
        } else if (key == "UnprivilegedReadBurst") {
            config.read_limits.burst = parse_limit(value, where, key.c_str(), false);
        } else if (key == "UnprivilegedReadRate") {
            config.read_limits.per_second = parse_limit(value, where, key.c_str(), true);
        } else {
            throw deploy::InvalidError(
                fmt::format("{}: unknown key '{}' in [Daemon] (known: IdleExitTimeout, "
                            "AutomaticUpdatePolicy, UnprivilegedReadBurst, UnprivilegedReadRate)",
                            where, key));
        }
    }
    return config;
}

DaemonConfig load_config(const std::string& path, bool required) {
    std::ifstream file(path);
    if (!file) {
        if (!required && errno == ENOENT)
            return {};
        deploy::throw_errno("cannot read configuration", path);
    }
    std::stringstream buffer;
    buffer << file.rdbuf();
    return parse_config(buffer.str(), path);
}

}  // namespace deployd
