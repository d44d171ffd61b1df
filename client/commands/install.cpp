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

    auto* override_cmd = app.add_subcommand(
        "override", "Remove or replace base packages (or undo that) on a new deployment");
    override_cmd->require_subcommand(1);
    auto* remove = override_cmd->add_subcommand("remove", "Remove packages of the base");
    auto removed = std::make_shared<std::vector<std::string>>();
    remove->add_option("PACKAGES", *removed, "Base package names")->required();
    remove->callback([&options, removed] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->override_remove(*removed, progress));
    });
    auto* replace = override_cmd->add_subcommand(
        "replace", "Replace base packages by local FILE.rpm (same name; upgrade or downgrade)");
    auto replaced = std::make_shared<std::vector<std::string>>();
    replace->add_option("FILES", *replaced, "Local .rpm files")->required();
    replace->callback([&options, replaced] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->override_replace(*replaced, progress));
    });
    auto* reset_override = override_cmd->add_subcommand("reset", "Undo base package overrides");
    auto reset_names = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    reset_override->add_option("PACKAGES", *reset_names, "Overridden package names");
    reset_override->add_flag("--all", *all, "Undo every override");
    reset_override->callback([&options, reset_names, all] {
        TerminalProgress progress(options.json);
        print_deploy_result(options,
                            open_backend(options)->override_reset(*reset_names, *all, progress));
    });

    auto* reset = app.add_subcommand("reset", "Drop all layered packages and overrides");
    reset->callback([&options] {
        TerminalProgress progress(options.json);
        print_deploy_result(options, open_backend(options)->reset(progress));
    });
}

}  // namespace deployctl
