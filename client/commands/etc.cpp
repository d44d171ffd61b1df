#include <fmt/format.h>

#include "cli.hpp"

namespace deployctl {

void register_etc_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("etc", "Inspect /etc");
    cmd->require_subcommand(1);
    auto* diff = cmd->add_subcommand(
        "diff", "List the admin's changes to /etc (M modified, A added, D deleted)");
    diff->callback([&options] {
        auto changes = open_backend(options)->etc_diff();
        if (options.json) {
            fmt::print("{}\n", changes.dump(2));
            return;
        }
        for (const auto& c : changes) {
            fmt::print("{}    /etc/{}\n", c.at("status").get<std::string>(),
                       c.at("path").get<std::string>());
        }
    });
}

}  // namespace deployctl
