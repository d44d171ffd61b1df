#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/sysroot/operations.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_kargs_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd =
        app.add_subcommand("kargs", "Show or edit the kernel arguments of the default deployment");
    auto edit = std::make_shared<deploy::sysroot::KargsEdit>();
    cmd->add_option("--append", edit->append, "Add KEY or KEY=VALUE");
    cmd->add_option("--delete", edit->remove, "Remove KEY (every value) or exactly KEY=VALUE");
    cmd->add_option("--replace", edit->replace, "Set KEY=VALUE in place of every KEY=*");
    auto sysroot_default = std::make_shared<bool>(false);
    cmd->add_flag("--sysroot-default", *sysroot_default,
                  "Show or edit the sysroot-wide defaults a first deployment gets (deployd.json; "
                  "no new deployment)");
    cmd->callback([&options, edit, sysroot_default] {
        if (*sysroot_default) {
            namespace sr = deploy::sysroot;
            auto sysroot = sr::Sysroot::open(
                {require_sysroot(options, "kargs --sysroot-default"), options.cmdline_file});
            std::vector<std::string> kargs = sysroot.default_kargs();
            bool changed = false;
            if (!edit->empty()) {
                if (auto edited = sr::edit_default_kargs(sysroot, *edit)) {
                    kargs = *edited;
                    changed = true;
                }
            }
            if (options.json) {
                fmt::print("{}\n", nlohmann::json{{"changed", changed}, {"kargs", kargs}}.dump(2));
            } else {
                std::string line;
                for (const auto& a : kargs)
                    line += (line.empty() ? "" : " ") + a;
                fmt::print("{}\n", line);
            }
            if (!edit->empty() && !changed)
                throw ExitCode{kExitNothingToDo};
            return;
        }
        TerminalProgress progress(options.json);
        auto result = open_backend(options)->kargs(*edit, progress);
        if (options.json) {
            fmt::print("{}\n", result.dump(2));
            return;
        }
        if (edit->empty()) {
            std::string line;
            for (const auto& a : result.at("kargs")) {
                line += (line.empty() ? "" : " ") + a.get<std::string>();
            }
            fmt::print("{}\n", line);
        } else if (result.value("changed", false)) {
            print_deploy_result(options, result);
        } else {
            fmt::print("Kernel arguments unchanged.\n");
            throw ExitCode{kExitNothingToDo};
        }
    });
}

}  // namespace deployctl
