#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_rebase_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("rebase", "Deploy the newest commit of REMOTE:REF and track it");
    auto refspec = std::make_shared<std::string>();
    cmd->add_option("REFSPEC", *refspec, "REMOTE:REF, or REF of the sysroot repository")
        ->required();
    cmd->callback([&options, refspec] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->rebase(*refspec, progress));
    });
}

}  // namespace deployctl
