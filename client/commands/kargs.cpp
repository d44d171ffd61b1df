#include <fmt/format.h>

#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_kargs_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd =
        app.add_subcommand("kargs", "Show or edit the kernel arguments of the default deployment");
    auto edit = std::make_shared<deploy::sysroot::KargsEdit>();
    cmd->add_option("--append", edit->append, "Add KEY or KEY=VALUE");
    cmd->add_option("--delete", edit->remove, "Remove KEY (every value) or exactly KEY=VALUE");
    cmd->add_option("--replace", edit->replace, "Set KEY=VALUE in place of every KEY=*");
    cmd->callback([&options, edit] {
        TerminalProgress progress(options.json);
        auto result = open_backend(options)->kargs(*edit, progress);
        if (options.json) {
            fmt::print("{}\n", result.dump(2));
            return;
        }
        if (edit->empty()) {
            std::string line;
            for (const auto& a : result.at("kargs")) {
                line += (line.empty() ? "" : " ") + a.get<std::string>();
            }
            fmt::print("{}\n", line);
        } else if (result.value("changed", false)) {
            print_deploy_result(options, result);
        } else {
            fmt::print("Kernel arguments unchanged.\n");
            throw ExitCode{kExitNothingToDo};
        }
    });
}

}  // namespace deployctl
