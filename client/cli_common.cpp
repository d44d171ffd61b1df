#include <cstdio>

#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/error.hpp"

namespace deployctl {

void print_error(const std::string& message) {
    std::string line;
    for (size_t i = 0; i < message.size(); ++i) {
        const auto c = static_cast<unsigned char>(message[i]);
        if (c == '\n' && i + 1 < message.size())
            line += "; ";  // several lines of one cause: keep them, on one line
        else if (c == '\n')
            ;
        else if (c < 0x20 || c == 0x7f)
            line += fmt::format("\\x{:02x}", c);
        else
            line += static_cast<char>(c);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == ';'))
        line.pop_back();
    std::fprintf(stderr, "error: %s\n", line.c_str());
}

std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& error) {
    // The deepest command that was recognised, and what it was left with.
    const CLI::App* at = &app;
    std::string path;
    for (;;) {
        auto subs = at->get_subcommands();
        if (subs.empty())
            break;
        at = subs.front();
        path += (path.empty() ? "" : " ") + at->get_name();
    }
    // Words no command took (with fallthrough they may sit with any parent).
    auto rest = app.remaining(true);
    bool expects_command = !at->get_subcommands({}).empty();
    if (expects_command && !rest.empty() && rest.front().rfind("-", 0) != 0) {
        return fmt::format("unknown command '{}{}' (see deployctl {}--help)",
                           path.empty() ? "" : path + " ", rest.front(),
                           path.empty() ? "" : path + " ");
    }
    if (expects_command && rest.empty() && at != &app)
        return fmt::format("'{}' needs a command (see deployctl {} --help)", path, path);
    return error.what();
}

void refuse_json(const GlobalOptions& options, const char* command) {
    if (options.json)
        throw deploy::InvalidError(fmt::format("'{}' has no JSON output (drop --json)", command));
}

size_t parse_index(const std::string& text, const char* command) {
    bool digits = !text.empty() && text.size() <= 6 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
        std::string shown = text.size() > 20 ? text.substr(0, 20) + "..." : text;
        throw deploy::InvalidError(fmt::format(
            "{}: '{}' is not a deployment index (0, 1, ... as 'status' shows)", command, shown));
    }
    return std::stoul(text);
}

std::string repo_path(const GlobalOptions& options, const std::string& repo, const char* command) {
    if (!repo.empty())
        return repo;
    if (!options.sysroot.empty())
        return options.sysroot + "/repo";
    throw deploy::InvalidError(
        fmt::format("'{}' needs --repo DIR (or --sysroot DIR for the sysroot's own)", command));
}

std::unique_ptr<Backend> open_backend(const GlobalOptions& options) {
    if (!options.sysroot.empty())
        return make_local_backend(options);
    return make_daemon_backend(options);
}

std::string require_sysroot(const GlobalOptions& options, const char* command) {
    if (options.sysroot.empty()) {
        throw deploy::InvalidError(fmt::format("'{}' needs --sysroot DIR", command));
    }
    return options.sysroot;
}

void print_deploy_result(const GlobalOptions& options, const nlohmann::json& result) {
    if (options.json) {
        std::printf("%s\n", result.dump(2).c_str());
        return;
    }
    const auto& d = result.at("deployment");
    std::string version = d.value("version", "");
    fmt::print("Deployed {}{} as the default; reboot to use it.\n",
               version.empty() ? "" : version + " ", d.value("id", ""));
    for (const auto& c : result.value("etc_conflicts", nlohmann::json::array())) {
        fmt::print("warning: /etc/{} changed both locally and in the new version; kept yours\n",
                   c.get<std::string>());
    }
}

void print_package_diff(const nlohmann::json& diff) {
    for (const auto& c : diff.value("upgraded", nlohmann::json::array()))
        fmt::print("Upgraded:   {} -> {}\n", c.value("from", ""), c.value("to", ""));
    for (const auto& c : diff.value("downgraded", nlohmann::json::array()))
        fmt::print("Downgraded: {} -> {}\n", c.value("from", ""), c.value("to", ""));
    for (const auto& n : diff.value("removed", nlohmann::json::array()))
        fmt::print("Removed:    {}\n", n.get<std::string>());
    for (const auto& n : diff.value("added", nlohmann::json::array()))
        fmt::print("Added:      {}\n", n.get<std::string>());
    bool empty = true;
    for (const char* key : {"upgraded", "downgraded", "removed", "added"})
        empty = empty && diff.value(key, nlohmann::json::array()).empty();
    if (empty)
        fmt::print("No package changes.\n");
}

}  // namespace deployctl
