#include <fmt/format.h>

#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_upgrade_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand(
        "upgrade", "Deploy the newest commit of the tracked ref (exit 77 when already current)");
    auto check = std::make_shared<bool>(false);
    cmd->add_flag("--check", *check,
                  "Only tell whether an update is available (exit 0 yes, 77 no)");
    auto preview = std::make_shared<bool>(false);
    cmd->add_flag("--preview", *preview,
                  "Like --check, and list the package changes of the update (added, removed, "
                  "upgraded, downgraded)");
    cmd->callback([&options, check, preview] {
        TerminalProgress progress(options.json);
        deploy::sysroot::UpgradeOptions upgrade_options;
        upgrade_options.check_only = *check;
        upgrade_options.preview = *preview;
        auto result = open_backend(options)->upgrade(upgrade_options, progress);
        std::string outcome = result.at("outcome");
        if (options.json) {
            fmt::print("{}\n", result.dump(2));
        } else if (outcome == "deployed") {
            print_deploy_result(options, result);
        } else if (outcome == "update-available") {
            std::string version = result.value("version", "");
            fmt::print("Update available: {} (commit {})\n", version.empty() ? "-" : version,
                       result.value("commit", ""));
            if (result.contains("package_diff"))
                print_package_diff(result["package_diff"]);
            else if (*preview)
                fmt::print("(no package list in the commits: not composed from RPMs)\n");
        } else {
            std::string version = result.value("version", "");
            fmt::print("No update available: {} (commit {}) is already the default.\n",
                       version.empty() ? "-" : version, result.value("commit", "").substr(0, 12));
        }
        if (outcome == "no-update")
            throw ExitCode{kExitNothingToDo};
    });
}

}  // namespace deployctl
