#include <fmt/format.h>

#include "cli.hpp"

namespace deployctl {

void register_remote_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("remote", "Manage remotes of the sysroot");
    cmd->require_subcommand(1);
    auto* add = cmd->add_subcommand("add", "Add a remote: NAME URL (file:///path, http(s)://)");
    auto name = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    add->add_option("NAME", *name)->required();
    add->add_option("URL", *url)->required();
    add->callback([&options, name, url] {
        open_backend(options)->remote_add(*name, *url);
        if (options.json)
            fmt::print("{}\n", nlohmann::json{{"name", *name}, {"url", *url}}.dump(2));
        else
            fmt::print("Added remote {} ({})\n", *name, *url);
    });
}

}  // namespace deployctl
