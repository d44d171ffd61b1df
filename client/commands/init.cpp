#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/sysroot/sysroot.hpp"

namespace deployctl {

void register_init_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("init", "Create a sysroot for an OS (with --sysroot DIR)");
    auto os = std::make_shared<std::string>();
    auto init = std::make_shared<deploy::sysroot::InitOptions>();
    auto layout = std::make_shared<std::string>("auto");
    cmd->add_option("--os", *os, "Name of the operating system")->required();
    cmd->add_option("--karg", init->kargs,
                    "Default kernel argument of the first deployment (repeatable), e.g. "
                    "root=LABEL=root console=ttyS0");
    cmd->add_option("--boot-layout", *layout,
                    "auto (detect when writing), directory (boot/ on the root filesystem) or "
                    "partition (boot/ will be its own filesystem)");
    cmd->callback([&options, os, init, layout] {
        std::string path = require_sysroot(options, "init");
        init->boot_layout = deploy::boot::parse_boot_layout(*layout, "--boot-layout");
        deploy::sysroot::Sysroot::init(path, *os, *init);
        if (options.json)
            fmt::print("{}\n", nlohmann::json{{"sysroot", path}, {"os", *os}}.dump(2));
        else
            fmt::print("Initialised sysroot {} for OS {}\n", path, *os);
    });
}

}  // namespace deployctl
