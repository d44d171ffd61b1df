#include "deploy/bootloader/kargs_d.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::boot {

namespace {

constexpr const char* kKargsDir = "usr/lib/kargs.d";
constexpr std::string_view kSuffix = ".kargs";

void check_tree_karg(const std::string& arg, const std::string& name) {
    if (arg.empty())
        throw InvalidError(fmt::format("{}: empty kernel argument", name));
    for (unsigned char c : arg) {
        if (c < ' ' || c == 0x7f)
            throw InvalidError(fmt::format(
                "{}: kernel argument '{}' contains a control character or line break", name, arg));
    }
    if (arg.rfind("deploy=", 0) == 0 || arg == "deploy")
        throw InvalidError(
            fmt::format("{}: the kernel argument 'deploy' is managed by deployd", name));
}

}  // namespace

std::vector<std::string> parse_kargs_file(const std::string& text, const std::string& name) {
    std::vector<std::string> out;
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
        nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
        if (doc.is_object() && doc.contains("kargs"))
            doc = doc["kargs"];
        if (!doc.is_array())
            throw InvalidError(
                fmt::format("{}: JSON must be an array of strings or {{\"kargs\": [...]}}", name));
        for (const auto& value : doc) {
            if (!value.is_string())
                throw InvalidError(fmt::format("{}: JSON kernel arguments must be strings", name));
            out.push_back(value.get<std::string>());
        }
    } else {
        size_t start = 0;
        while (start < text.size()) {
            size_t eol = text.find('\n', start);
            std::string line = text.substr(start, eol == std::string::npos ? eol : eol - start);
            start = eol == std::string::npos ? text.size() : eol + 1;
            size_t lead = line.find_first_not_of(" \t");
            if (lead == std::string::npos || line[lead] == '#')
                continue;
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            for (auto& arg : split_kernel_args(line))
                out.push_back(std::move(arg));
        }
    }
    for (auto& arg : out) {
        check_tree_karg(arg, name);
        try {
            arg = normalize_kernel_arg(arg);
        } catch (const InvalidError& e) {
            throw InvalidError(fmt::format("{}: {}", name, e.what()));
        }
    }
    return out;
}

std::vector<std::string> read_kargs_d(int tree_dirfd) {
    UniqueFd dir = fs::open_dir_if_exists(tree_dirfd, kKargsDir);
    if (!dir)
        return {};
    std::vector<std::string> names;
    for (auto& name : fs::list_dir(dir.get())) {
        if (name.size() <= kSuffix.size() ||
            name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
            continue;
        struct stat st = fs::lstat_at(dir.get(), name);
        if (S_ISREG(st.st_mode))
            names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const auto& name : names) {
        out =
            append_unique(std::move(out), parse_kargs_file(fs::read_file_at(dir.get(), name),
                                                           fmt::format("{}/{}", kKargsDir, name)));
    }
    return out;
}

std::vector<std::string> append_unique(std::vector<std::string> base,
                                       const std::vector<std::string>& extra) {
    for (const auto& arg : extra) {
        if (std::find(base.begin(), base.end(), arg) == base.end())
            base.push_back(arg);
    }
    return base;
}

std::vector<std::string> merge_tree_kargs(const std::vector<std::string>& current,
                                          const std::vector<std::string>& old_tree,
                                          const std::vector<std::string>& new_tree) {
    auto contains = [](const std::vector<std::string>& v, const std::string& a) {
        return std::find(v.begin(), v.end(), a) != v.end();
    };
    std::vector<std::string> out;
    for (const auto& arg : current) {
        if (contains(old_tree, arg) && !contains(new_tree, arg))
            continue;
        out.push_back(arg);
    }
    for (const auto& arg : new_tree) {
        if (!contains(old_tree, arg) && !contains(out, arg))
            out.push_back(arg);
    }
    return out;
}

}  // namespace deploy::boot
