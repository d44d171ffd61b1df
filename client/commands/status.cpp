#include <ctime>

#include <fmt/format.h>

#include "cli.hpp"

namespace deployctl {

namespace {

std::string format_time(int64_t t) {
    if (t == 0)
        return "-";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string join(const nlohmann::json& list) {
    std::string out;
    for (const auto& v : list)
        out += (out.empty() ? "" : " ") + v.get<std::string>();
    return out;
}

void print_status(const nlohmann::json& status) {
    const auto& list = status.at("deployments");
    if (list.empty()) {
        fmt::print("No deployments yet. Run 'deployctl rebase REMOTE:REF' to create one.\n");
        return;
    }
    fmt::print("Deployments (boot order):\n");
    for (const auto& d : list) {
        std::vector<std::string> roles;
        if (d.value("default", false))
            roles.push_back("default");
        if (d.value("booted", false))
            roles.push_back("booted");
        if (d.value("rollback", false))
            roles.push_back("rollback");
        if (d.value("pinned", false))
            roles.push_back("pinned");
        std::string version = d.value("version", "");
        fmt::print("{} {} {} {}\n", d.value("booted", false) ? "●" : " ", d.value("index", 0),
                   d.value("os", ""), version.empty() ? "(no version)" : version);
        if (!roles.empty())
            fmt::print("      Role:     {}\n", fmt::join(roles, ", "));
        fmt::print("      Id:       {}\n", d.value("id", ""));
        fmt::print("      Origin:   {}\n", d.value("refspec", ""));
        fmt::print("      Commit:   {}\n", d.value("commit", ""));
        if (d.value("base_commit", "") != d.value("commit", "")) {
            fmt::print("      Base:     {}\n", d.value("base_commit", ""));
        }
        fmt::print("      Date:     {}\n", format_time(d.value("timestamp", int64_t{0})));
        if (!d.at("kargs").empty())
            fmt::print("      Kargs:    {}\n", join(d.at("kargs")));
        if (!d.at("layered_packages").empty()) {
            fmt::print("      Layered:  {}\n", join(d.at("layered_packages")));
        }
        if (!d.at("removed_packages").empty()) {
            fmt::print("      Removed:  {}\n", join(d.at("removed_packages")));
        }
        if (!d.at("replaced_packages").empty()) {
            fmt::print("      Replaced: {}\n", join(d.at("replaced_packages")));
        }
        if (!d.at("etc_conflicts").empty()) {
            fmt::print("      /etc conflicts (admin's version kept): {}\n",
                       join(d.at("etc_conflicts")));
        }
    }
}

}  // namespace

void register_status_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("status", "Show the deployments: booted, pending, rollback");
    cmd->callback([&options] {
        auto status = open_backend(options)->status();
        if (options.json) {
            fmt::print("{}\n", status.dump(2));
        } else {
            print_status(status);
        }
    });
}

}  // namespace deployctl
