#include <fmt/format.h>

#include "cli.hpp"

namespace deployctl {

static void add_pin_command(CLI::App& app, GlobalOptions& options, const char* name, bool pinned) {
    auto* cmd =
        app.add_subcommand(name, pinned ? "Keep deployment N (status index) regardless of retention"
                                        : "Let retention remove deployment N again");
    // A string, parsed by parse_index: CLI11's own number check answers "abc" or "1.5" with its
    // range text.
    auto text = std::make_shared<std::string>();
    cmd->add_option("N", *text, "Index as shown by status (0 = default)")->required();
    cmd->callback([&options, text, name, pinned] {
        size_t index = parse_index(*text, name);
        open_backend(options)->pin(index, pinned);
        if (options.json)
            fmt::print("{}\n", nlohmann::json{{"index", index}, {"pinned", pinned}}.dump(2));
        else
            fmt::print("Deployment {} is {}.\n", index, pinned ? "pinned" : "unpinned");
    });
}

void register_pin_commands(CLI::App& app, GlobalOptions& options) {
    add_pin_command(app, options, "pin", true);
    add_pin_command(app, options, "unpin", false);
}

}  // namespace deployctl
