#include "validate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/error.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/sysroot/origin.hpp"

namespace deployd::validate {

namespace {

constexpr size_t kMaxName = 255;
constexpr size_t kMaxRef = 1024;
constexpr size_t kMaxUrl = 4096;
constexpr size_t kMaxKargs = 256;
constexpr uint32_t kMaxIndex = 1024;
constexpr size_t kMaxPackages = 1024;
constexpr size_t kMaxPackageSpec = 512;

// Printable ASCII without spaces: what every argument here is made of.
bool is_token(const std::string& s) {
    for (unsigned char c : s) {
        if (c <= ' ' || c >= 0x7f)
            return false;
    }
    return true;
}

void check_token(const std::string& value, const char* what, size_t max) {
    if (value.empty())
        throw deploy::InvalidError(fmt::format("{} is empty", what));
    if (value.size() > max)
        throw deploy::InvalidError(fmt::format("{} is longer than {} characters", what, max));
    if (!is_token(value)) {
        throw deploy::InvalidError(fmt::format(
            "invalid {} '{}': only printable ASCII without spaces is allowed", what, value));
    }
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool is_package_name_char(char c) {
    return is_name_char(c) || c == '+' || c == '~' || c == '^';
}

void check_package_count(const std::vector<std::string>& values, const char* what) {
    if (values.size() > kMaxPackages) {
        throw deploy::InvalidError(fmt::format("{}: too many packages ({}, at most {})", what,
                                               values.size(), kMaxPackages));
    }
}

}  // namespace

void refspec(const std::string& value) {
    check_token(value, "refspec", kMaxRef);
    auto [remote, ref] = deploy::sysroot::split_refspec(value);
    if (value.find(':') != std::string::npos)
        remote_name(remote);
    deploy::repo::Repo::check_ref_name(ref);
}

void revision(const std::string& value) {
    check_token(value, "revision", kMaxName);
    if (value.find('/') != std::string::npos)
        throw deploy::InvalidError(fmt::format("invalid revision '{}': contains '/'", value));
}

void kargs(const std::vector<std::string>& values, const char* what, bool need_value) {
    if (values.size() > kMaxKargs)
        throw deploy::InvalidError(fmt::format("too many {} arguments ({})", what, values.size()));
    for (const auto& arg : values) {
        // The engine's own rule and wording, so the bus and --sysroot refuse the same things.
        std::string canonical = deploy::boot::normalize_kernel_arg(arg);
        if (need_value && canonical.find('=') == std::string::npos) {
            throw deploy::InvalidError(fmt::format("{} needs KEY=VALUE, got '{}'", what, arg));
        }
    }
}

void remote_name(const std::string& value) {
    check_token(value, "remote name", kMaxName);
    for (char c : value) {
        if (!is_name_char(c)) {
            throw deploy::InvalidError(fmt::format(
                "invalid remote name '{}': use letters, digits, '.', '_' and '-'", value));
        }
    }
    if (value == "." || value == "..")
        throw deploy::InvalidError(fmt::format("invalid remote name '{}'", value));
}

void remote_url(const std::string& value) {
    check_token(value, "remote URL", kMaxUrl);
    bool file_url = value.rfind("file:///", 0) == 0;
    bool http_url = value.rfind("http://", 0) == 0 || value.rfind("https://", 0) == 0;
    if (!file_url && !http_url) {
        throw deploy::InvalidError(fmt::format(
            "invalid remote URL '{}': expected file:///path, http:// or https://", value));
    }
}

void deployment_index(uint32_t value) {
    if (value > kMaxIndex)
        throw deploy::InvalidError(fmt::format("invalid deployment index {}", value));
}

void package_specs(const std::vector<std::string>& values, const char* what) {
    check_package_count(values, what);
    for (size_t i = 0; i < values.size(); ++i) {
        const auto& spec = values[i];
        auto arg = fmt::format("{}[{}]", what, i);
        if (spec.empty())
            throw deploy::InvalidError(fmt::format("{} is empty", arg));
        if (spec.size() > kMaxPackageSpec) {
            throw deploy::InvalidError(
                fmt::format("{} is longer than {} characters", arg, kMaxPackageSpec));
        }
        bool printable = std::all_of(spec.begin(), spec.end(),
                                     [](unsigned char c) { return c >= ' ' && c < 0x7f; });
        // Spaces only inside, single: relations such as "foo >= 1.2".
        if (!printable || spec.front() == ' ' || spec.back() == ' ' ||
            spec.find("  ") != std::string::npos) {
            throw deploy::InvalidError(fmt::format(
                "{}: invalid package '{}': only printable ASCII (single inner spaces) is allowed",
                arg, spec));
        }
        if (spec.front() == '-')
            throw deploy::InvalidError(fmt::format("{}: invalid package '{}'", arg, spec));
        if (spec.size() >= 4 && spec.compare(spec.size() - 4, 4, ".rpm") == 0) {
            throw deploy::InvalidError(
                fmt::format("{}: '{}' is a file name: pass local packages as file descriptors "
                            "(local_packages)",
                            arg, spec));
        }
    }
}

void package_names(const std::vector<std::string>& values, const char* what) {
    check_package_count(values, what);
    for (size_t i = 0; i < values.size(); ++i) {
        const auto& name = values[i];
        auto arg = fmt::format("{}[{}]", what, i);
        if (name.empty())
            throw deploy::InvalidError(fmt::format("{} is empty", arg));
        if (name.size() > kMaxName)
            throw deploy::InvalidError(
                fmt::format("{} is longer than {} characters", arg, kMaxName));
        if (name.front() == '.' || name.front() == '-' ||
            !std::all_of(name.begin(), name.end(), is_package_name_char)) {
            throw deploy::InvalidError(fmt::format(
                "{}: invalid package name '{}': use letters, digits and . _ + ~ ^ -", arg, name));
        }
    }
}

}  // namespace deployd::validate
