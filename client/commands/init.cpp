#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/sysroot/sysroot.hpp"

namespace deployctl {

void register_init_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("init", "Create a sysroot for an OS (with --sysroot DIR)");
    auto os = std::make_shared<std::string>();
    cmd->add_option("--os", *os, "Name of the operating system")->required();
    cmd->callback([&options, os] {
        std::string path = require_sysroot(options, "init");
        deploy::sysroot::Sysroot::init(path, *os);
        if (options.json)
            fmt::print("{}\n", nlohmann::json{{"sysroot", path}, {"os", *os}}.dump(2));
        else
            fmt::print("Initialised sysroot {} for OS {}\n", path, *os);
    });
}

}  // namespace deployctl
