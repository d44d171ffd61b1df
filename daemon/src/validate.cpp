#include "validate.hpp"

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/sysroot/origin.hpp"

namespace deployd::validate {

namespace {

constexpr size_t kMaxName = 255;
constexpr size_t kMaxRef = 1024;
constexpr size_t kMaxUrl = 4096;
constexpr size_t kMaxKarg = 4096;
constexpr size_t kMaxKargs = 256;
constexpr uint32_t kMaxIndex = 1024;

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
        check_token(arg, "kernel argument", kMaxKarg);
        auto eq = arg.find('=');
        std::string key = arg.substr(0, eq);
        if (key.empty())
            throw deploy::InvalidError(fmt::format("invalid kernel argument '{}': empty key", arg));
        if (arg.find('"') != std::string::npos) {
            throw deploy::InvalidError(
                fmt::format("invalid kernel argument '{}': quotes are not allowed", arg));
        }
        if (need_value && eq == std::string::npos) {
            throw deploy::InvalidError(fmt::format("{} needs KEY=VALUE, got '{}'", what, arg));
        }
        if (key == "deploy")
            throw deploy::InvalidError("the kernel argument 'deploy' is managed by deployd");
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

}  // namespace deployd::validate
