// deployctl compose --repo R TREEFILE: build a base commit from RPMs (in-process, no sysroot).
#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/layering/compose.hpp"
#include "deploy/repo/repo.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

void register_compose_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand(
        "compose", "Build a base tree from RPM repositories (JSON treefile) and commit it");
    auto repo_path = std::make_shared<std::string>();
    auto treefile = std::make_shared<std::string>();
    auto cache = std::make_shared<std::string>();
    cmd->add_option("--repo", *repo_path, "The repository to commit into")->required();
    cmd->add_option("--cache-dir", *cache,
                    "Keep downloaded metadata and packages here (default: not kept)");
    cmd->add_option("TREEFILE", *treefile,
                    "JSON: ref, version, repos, packages, exclude, "
                    "kernel_args")
        ->required();
    cmd->callback([&options, repo_path, treefile, cache] {
        // stdout is the commit id (scripts capture it), so progress goes to stderr.
        TerminalProgress progress(true);
        auto repo = deploy::repo::Repo::open(*repo_path);
        auto tf = deploy::layering::read_treefile(*treefile);
        auto result = deploy::layering::compose(repo, tf, *cache, progress);
        if (options.json) {
            nlohmann::json out = {
                {"commit", result.commit}, {"ref", result.ref}, {"packages", result.packages}};
            fmt::print("{}\n", out.dump(2));
        } else {
            fmt::print("{}\n", result.commit);
        }
    });
}

}  // namespace deployctl
