#include <fmt/format.h>

#include "cli.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_cleanup_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("cleanup",
                                   "Remove leftovers and unused deployments, prune unused objects");
    cmd->callback([&options] {
        TerminalProgress progress(options.json);
        auto result = open_backend(options)->cleanup(progress);
        if (options.json) {
            fmt::print("{}\n", result.dump(2));
        } else {
            fmt::print("Cleanup done: {} object(s) removed, {} bytes freed.\n",
                       result.value("objects_removed", 0), result.value("bytes_freed", 0));
        }
    });
}

}  // namespace deployctl
