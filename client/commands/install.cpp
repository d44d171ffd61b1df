// deployctl install PKG|FILE.rpm... / uninstall PKG...: package layering on the deployment.
#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_install_commands(CLI::App& app, GlobalOptions& options) {
    auto* install = app.add_subcommand(
        "install", "Layer packages (names, provides or FILE.rpm) on a new deployment");
    auto packages = std::make_shared<std::vector<std::string>>();
    install->add_option("PACKAGES", *packages, "Package names, provides or local .rpm files")
        ->required();
    install->callback([&options, packages] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->install(*packages, progress));
    });

    auto* uninstall = app.add_subcommand(
        "uninstall", "Remove layered packages (a new deployment of the base plus the rest)");
    auto names = std::make_shared<std::vector<std::string>>();
    uninstall->add_option("PACKAGES", *names, "Layered package names")->required();
    uninstall->callback([&options, names] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->uninstall(*names, progress));
    });
}

}  // namespace deployctl
