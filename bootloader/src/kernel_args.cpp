// Kernel command line splitting with the kernel's own quoting rule: a double quote toggles
// "inside quotes", where spaces do not separate arguments. Quotes are kept in the arguments so
// split and join round-trip byte for byte (`kargs --delete` must not rewrite other arguments).
//
// Validation is stricter than the kernel in one respect: GRUB's blscfg builds a GRUB script line
// from an entry's `linux` and `options`, so characters GRUB's lexer treats specially would let a
// kernel argument run GRUB commands (`x;reboot`, `$(...)`-like expansions, a `#` hiding
// deploy=). They are refused rather than escaped: no escaping survives both GRUB and the kernel
// (GRUB re-escapes \ ' " with backslashes the kernel does not understand).
#include "deploy/bootloader/kernel_args.hpp"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "deploy/error.hpp"

namespace deploy::boot {

namespace {

constexpr std::string_view kGrubMetacharacters = "$;&|<>{}'\\`#";

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool has_space(std::string_view s) {
    return std::any_of(s.begin(), s.end(), is_space);
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

// The argument as it can appear in a one-line error: control bytes as \xNN.
std::string printable(std::string_view arg) {
    std::string out;
    for (unsigned char c : arg) {
        if (c < 0x20 || c >= 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

[[noreturn]] void refuse(std::string_view arg, std::string_view why) {
    throw InvalidError(fmt::format("invalid kernel argument '{}': {}", printable(arg), why));
}

struct ParsedArg {
    std::string key;
    std::string value;  // without its quotes
    bool has_value = false;
};

// The kernel's parse of one argument (kernel/params.c next_arg), restricted to the shapes whose
// meaning is obvious: KEY, KEY=VALUE, KEY="VALUE", "KEY=VALUE". A quote anywhere else is kept
// literally by the kernel and is almost certainly a mistake.
ParsedArg parse_arg(std::string_view arg) {
    if (arg.empty())
        refuse(arg, "empty argument");
    if (arg.size() > kMaxKernelCmdline) {
        refuse(arg.substr(0, 40),
               fmt::format("{} bytes, longer than the {}-byte kernel command line", arg.size(),
                           kMaxKernelCmdline));
    }
    for (unsigned char c : arg) {
        if (c < 0x20 || c >= 0x7f)
            refuse(arg, "control characters and non-ASCII bytes are not allowed");
        if (kGrubMetacharacters.find(static_cast<char>(c)) != std::string_view::npos) {
            refuse(arg, fmt::format("'{}' is not allowed (GRUB would interpret it)",
                                    static_cast<char>(c)));
        }
    }
    size_t quotes = static_cast<size_t>(std::count(arg.begin(), arg.end(), '"'));
    bool whole_quoted = quotes == 2 && arg.size() >= 2 && arg.front() == '"' && arg.back() == '"';
    std::string_view body = whole_quoted ? arg.substr(1, arg.size() - 2) : arg;
    size_t eq = body.find('=');
    ParsedArg parsed;
    parsed.key = std::string(body.substr(0, eq));
    parsed.has_value = eq != std::string_view::npos;
    std::string_view value = parsed.has_value ? body.substr(eq + 1) : std::string_view();
    if (quotes != 0 && !whole_quoted) {
        bool value_quoted =
            quotes == 2 && value.size() >= 2 && value.front() == '"' && value.back() == '"';
        if (!value_quoted) {
            refuse(arg,
                   "quotes are only allowed around the whole value (KEY=\"a b\") or the "
                   "whole argument");
        }
        value = value.substr(1, value.size() - 2);
    }
    parsed.value = std::string(value);
    if (parsed.key.empty())
        refuse(arg, "empty key");
    if (has_space(parsed.key))
        refuse(arg, "spaces are only allowed in the value");
    return parsed;
}

bool is_reserved_key(std::string_view key) {
    return key == "deploy" || key.substr(0, 8) == "deployd.";
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

std::string normalize_kernel_arg(const std::string& arg) {
    ParsedArg parsed = parse_arg(arg);
    if (is_reserved_key(parsed.key))
        refuse(arg, fmt::format("'{}' is managed by deployd", parsed.key));
    if (!parsed.has_value)
        return parsed.key;
    if (has_space(parsed.value))
        return fmt::format("{}=\"{}\"", parsed.key, parsed.value);
    return fmt::format("{}={}", parsed.key, parsed.value);
}

std::vector<std::string> normalize_kernel_args(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    out.reserve(args.size());
    for (const auto& arg : args)
        out.push_back(normalize_kernel_arg(arg));
    return out;
}

std::string kernel_arg_key(const std::string& arg) {
    return arg.substr(0, arg.find('='));
}

void check_kernel_cmdline(const std::string& cmdline, const std::string& what) {
    if (cmdline.size() > kMaxKernelCmdline) {
        throw InvalidError(
            fmt::format("{}: kernel command line is {} bytes, more than the {} the "
                        "kernel accepts",
                        what, cmdline.size(), kMaxKernelCmdline));
    }
    int deploys = 0;
    for (const auto& arg : split_kernel_args(cmdline)) {
        try {
            if (parse_arg(arg).key == "deploy")
                ++deploys;
        } catch (const InvalidError& e) {
            throw InvalidError(fmt::format("{}: {}", what, e.what()));
        }
    }
    if (deploys > 1)
        throw InvalidError(fmt::format("{}: several deploy= arguments", what));
}

}  // namespace deploy::boot
