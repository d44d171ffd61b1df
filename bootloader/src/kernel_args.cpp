// Kernel command line splitting with the kernel's own quoting rule: a double quote toggles
// "inside quotes", where spaces do not separate arguments. Quotes are kept in the arguments so
// split and join round-trip byte for byte (`kargs --delete` must not rewrite other arguments).
#include <string>
#include <string_view>
#include <vector>

#include "deploy/bootloader/boot_entry.hpp"

namespace deploy::boot {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool has_space(std::string_view s) {
    for (char c : s) {
        if (is_space(c))
            return true;
    }
    return false;
}

// An argument given unquoted but containing spaces (e.g. `kargs --append 'foo=a b'`) is quoted
// the way the kernel expects: around the value, or around the whole argument without a key.
std::string quote_if_needed(const std::string& arg) {
    if (!has_space(arg) || arg.find('"') != std::string::npos)
        return arg;
    size_t eq = arg.find('=');
    if (eq == std::string::npos)
        return '"' + arg + '"';
    return arg.substr(0, eq + 1) + '"' + arg.substr(eq + 1) + '"';
}

}  // namespace

std::vector<std::string> split_kernel_args(const std::string& cmdline) {
    std::vector<std::string> args;
    std::string current;
    bool in_quotes = false;
    bool in_arg = false;
    for (char c : cmdline) {
        if (!in_quotes && is_space(c)) {
            if (in_arg)
                args.push_back(std::move(current));
            current.clear();
            in_arg = false;
            continue;
        }
        if (c == '"')
            in_quotes = !in_quotes;
        current.push_back(c);
        in_arg = true;
    }
    if (in_arg)
        args.push_back(std::move(current));
    return args;
}

std::string join_kernel_args(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& arg : args) {
        if (arg.empty())
            continue;
        if (!out.empty())
            out.push_back(' ');
        out += quote_if_needed(arg);
    }
    return out;
}

}  // namespace deploy::boot
