// deployctl: the admin's command line for deployd.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli.hpp"
#include "deploy/error.hpp"

int main(int argc, char** argv) {
    // The library logs through spdlog; warnings reach the admin on stderr.
    auto logger = spdlog::stderr_color_mt("deployctl");
    logger->set_pattern("%^%l%$: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(std::getenv("DEPLOYD_DEBUG") ? spdlog::level::debug : spdlog::level::warn);

    CLI::App app{"deployctl: atomic OS deployments (upgrade, rollback, layering)"};
    app.require_subcommand(1);
    app.fallthrough();
    app.set_version_flag("--version", "deployctl " DEPLOYD_VERSION);
    deployctl::GlobalOptions options;
    auto* sysroot = app.add_option("--sysroot", options.sysroot,
                                   "Run the engine in-process on the sysroot at DIR (no daemon)");
    auto* bus = app.add_option("--bus-address", options.bus_address,
                               "Talk to deployd on this D-Bus address (default: the system bus)");
    // In-process or through a daemon: never a silent choice between the two.
    sysroot->excludes(bus);
    app.add_option("--cmdline-file", options.cmdline_file,
                   "Read the kernel command line from this file instead of /proc/cmdline");
    app.add_flag("--json", options.json, "Machine-readable output where the output is data");

    deployctl::register_init_command(app, options);
    deployctl::register_repo_commands(app, options);
    deployctl::register_remote_command(app, options);
    deployctl::register_rebase_command(app, options);
    deployctl::register_upgrade_command(app, options);
    deployctl::register_deploy_command(app, options);
    deployctl::register_rollback_command(app, options);
    deployctl::register_status_command(app, options);
    deployctl::register_cleanup_command(app, options);
    deployctl::register_pin_commands(app, options);
    deployctl::register_kargs_command(app, options);
    deployctl::register_etc_command(app, options);
    deployctl::register_compose_command(app, options);
    deployctl::register_install_commands(app, options);
    deployctl::register_db_command(app, options);
    deployctl::register_image_command(app, options);
    deployctl::register_completion_command(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        deployctl::print_error(deployctl::describe_parse_error(app, e));
        return deployctl::kExitError;
    } catch (const deployctl::ExitCode& e) {
        return e.code;
    } catch (const std::exception& e) {
        deployctl::print_error(e.what());
        return deployctl::kExitError;
    }
    return deployctl::kExitOk;
}
