#include <fmt/format.h>

#include "cli.hpp"

namespace deployctl {

static void add_pin_command(CLI::App& app, GlobalOptions& options, const char* name, bool pinned) {
    auto* cmd =
        app.add_subcommand(name, pinned ? "Keep deployment N (status index) regardless of retention"
                                        : "Let retention remove deployment N again");
    auto index = std::make_shared<int>(0);
    cmd->add_option("N", *index, "Index as shown by status (0 = default)")
        ->required()
        ->check(CLI::NonNegativeNumber);
    cmd->callback([&options, index, pinned] {
        open_backend(options)->pin(static_cast<size_t>(*index), pinned);
        fmt::print("Deployment {} is {}.\n", *index, pinned ? "pinned" : "unpinned");
    });
}

void register_pin_commands(CLI::App& app, GlobalOptions& options) {
    add_pin_command(app, options, "pin", true);
    add_pin_command(app, options, "unpin", false);
}

}  // namespace deployctl
