#include <fmt/format.h>

#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_rollback_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("rollback", "Make the previous deployment the default again");
    cmd->callback([&options] {
        TerminalProgress progress(options.json);
        auto result = open_backend(options)->rollback(progress);
        if (options.json) {
            fmt::print("{}\n", result.dump(2));
            return;
        }
        const auto& d = result.at("deployment");
        std::string version = d.value("version", "");
        fmt::print("Rolled back: {}{} is the default; reboot to use it.\n",
                   version.empty() ? "" : version + " ", d.value("id", ""));
    });
}

}  // namespace deployctl
