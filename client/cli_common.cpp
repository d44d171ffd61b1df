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

}  // namespace deployctl
