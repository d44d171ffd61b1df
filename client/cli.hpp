// Shared pieces of the CLI: global options, exit codes, backend selection, output helpers.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "backend.hpp"

namespace deployctl {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitNothingToDo = 77;

struct GlobalOptions {
    std::string sysroot;
    std::string bus_address;
    std::string cmdline_file;
    bool json = false;
};

// Thrown by a command to end with a given exit code after its output.
struct ExitCode {
    int code;
};

// Prints "error: MESSAGE" as exactly one line: control characters (a hostile name, a library's
// multi-line text) are shown escaped.
void print_error(const std::string& message);
// CLI11's parse error in our words: an unknown word where a command was expected is named with
// the commands before it ("unknown command 'repo bogus'"); a bad number says which argument.
std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& error);
// Commands whose output is not data refuse --json instead of ignoring it.
void refuse_json(const GlobalOptions& options, const char* command);
// Parses a deployment index as status shows it (0, 1, ...); anything else is one short error.
size_t parse_index(const std::string& text, const char* command);
// The repository a `repo` command works on: --repo, else the sysroot's own (--sysroot DIR).
std::string repo_path(const GlobalOptions& options, const std::string& repo, const char* command);

// The in-process engine when --sysroot is given, the daemon otherwise.
std::unique_ptr<Backend> open_backend(const GlobalOptions& options);
// Commands that only make sense in-process (init, repo on a sysroot path).
std::string require_sysroot(const GlobalOptions& options, const char* command);

// Every subcommand registers itself with the same shape: define options, then run.
void register_repo_commands(CLI::App& app, GlobalOptions& options);
void register_init_command(CLI::App& app, GlobalOptions& options);
void register_remote_command(CLI::App& app, GlobalOptions& options);
void register_rebase_command(CLI::App& app, GlobalOptions& options);
void register_upgrade_command(CLI::App& app, GlobalOptions& options);
void register_deploy_command(CLI::App& app, GlobalOptions& options);
void register_rollback_command(CLI::App& app, GlobalOptions& options);
void register_status_command(CLI::App& app, GlobalOptions& options);
void register_cleanup_command(CLI::App& app, GlobalOptions& options);
void register_pin_commands(CLI::App& app, GlobalOptions& options);
void register_kargs_command(CLI::App& app, GlobalOptions& options);
void register_etc_command(CLI::App& app, GlobalOptions& options);
void register_compose_command(CLI::App& app, GlobalOptions& options);
void register_install_commands(CLI::App& app, GlobalOptions& options);
void register_db_command(CLI::App& app, GlobalOptions& options);
void register_image_command(CLI::App& app, GlobalOptions& options);
// `deployctl completion bash|zsh`: a completion script generated from the command tree.
void register_completion_command(CLI::App& app);

// Renders a deploy result ("Deployed <id>; reboot to use it") unless --json.
void print_deploy_result(const GlobalOptions& options, const nlohmann::json& result);
// A package diff (layering::db_diff_json shape), one line per change.
void print_package_diff(const nlohmann::json& diff);

}  // namespace deployctl
