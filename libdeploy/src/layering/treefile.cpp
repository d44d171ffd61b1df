#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/error.hpp"
#include "deploy/layering/treefile.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::layering {

Treefile parse_treefile(const std::string& json_text, const std::string& what) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {
        throw InvalidError(fmt::format("{}: not valid JSON: {}", what, e.what()));
    }
    Treefile t;
    try {
        t.ref = j.at("ref").get<std::string>();
        t.version = j.value("version", "");
        for (const auto& r : j.at("repos")) {
            RepoSource source;
            source.name = r.at("name").get<std::string>();
            source.baseurl = r.at("baseurl").get<std::string>();
            source.gpgcheck = r.value("gpgcheck", false);
            source.gpgkey = r.value("gpgkey", "");
            t.repos.push_back(source);
        }
        t.packages = j.at("packages").get<std::vector<std::string>>();
        t.exclude = j.value("exclude", std::vector<std::string>{});
        t.kernel_args = j.value("kernel_args", std::vector<std::string>{});
    } catch (const nlohmann::json::exception& e) {
        throw InvalidError(fmt::format("{}: {}", what, e.what()));
    }
    try {
        t.kernel_args = boot::normalize_kernel_args(t.kernel_args);
    } catch (const InvalidError& e) {
        throw InvalidError(fmt::format("{}: kernel_args: {}", what, e.what()));
    }
    if (t.packages.empty())
        throw InvalidError(fmt::format("{}: \"packages\" is empty", what));
    if (t.repos.empty())
        throw InvalidError(fmt::format("{}: \"repos\" is empty", what));
    return t;
}

Treefile read_treefile(const std::string& path) {
    UniqueFd cwd = fs::open_dir(".");
    return parse_treefile(fs::read_file_at(cwd.get(), path), path);
}

}  // namespace deploy::layering
