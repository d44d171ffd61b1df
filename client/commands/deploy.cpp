#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_deploy_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("deploy", "Deploy a VERSION or COMMIT of the tracked ref");
    auto revision = std::make_shared<std::string>();
    cmd->add_option("REVISION", *revision, "A version, or a commit checksum (prefix)")->required();
    cmd->callback([&options, revision] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->deploy(*revision, progress));
    });
}

}  // namespace deployctl
