#include <cstdio>

#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/error.hpp"

namespace deployctl {

std::unique_ptr<Backend> open_backend(const GlobalOptions& options) {
    if (!options.sysroot.empty())
        return make_local_backend(options);
    return make_daemon_backend(options);
}

std::string require_sysroot(const GlobalOptions& options, const char* command) {
    if (options.sysroot.empty()) {
        throw deploy::InvalidError(fmt::format("'{}' needs --sysroot DIR", command));
    }
    return options.sysroot;
}

void print_deploy_result(const GlobalOptions& options, const nlohmann::json& result) {
    if (options.json) {
        std::printf("%s\n", result.dump(2).c_str());
        return;
    }
    const auto& d = result.at("deployment");
    std::string version = d.value("version", "");
    fmt::print("Deployed {}{} as the default; reboot to use it.\n",
               version.empty() ? "" : version + " ", d.value("id", ""));
    for (const auto& c : result.value("etc_conflicts", nlohmann::json::array())) {
        fmt::print("warning: /etc/{} changed both locally and in the new version; kept yours\n",
                   c.get<std::string>());
    }
}

void print_package_diff(const nlohmann::json& diff) {
    for (const auto& c : diff.value("upgraded", nlohmann::json::array()))
        fmt::print("Upgraded:   {} -> {}\n", c.value("from", ""), c.value("to", ""));
    for (const auto& c : diff.value("downgraded", nlohmann::json::array()))
        fmt::print("Downgraded: {} -> {}\n", c.value("from", ""), c.value("to", ""));
    for (const auto& n : diff.value("removed", nlohmann::json::array()))
        fmt::print("Removed:    {}\n", n.get<std::string>());
    for (const auto& n : diff.value("added", nlohmann::json::array()))
        fmt::print("Added:      {}\n", n.get<std::string>());
    bool empty = true;
    for (const char* key : {"upgraded", "downgraded", "removed", "added"})
        empty = empty && diff.value(key, nlohmann::json::array()).empty();
    if (empty)
        fmt::print("No package changes.\n");
}

}  // namespace deployctl
