// deployctl db diff [A B]: package differences between two deployments or commits.
#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/error.hpp"
#include "deploy/layering/db_diff.hpp"
#include "deploy/sysroot/sysroot.hpp"

namespace deployctl {

void register_db_command(CLI::App& app, GlobalOptions& options) {
    auto* db = app.add_subcommand("db", "Package database queries");
    db->require_subcommand(1);
    auto* diff = db->add_subcommand(
        "diff",
        "Packages added, removed, upgraded, downgraded from A to B (default: booted or "
        "merge deployment -> default deployment)");
    auto revs = std::make_shared<std::vector<std::string>>();
    auto repo_path = std::make_shared<std::string>();
    diff->add_option("REVS", *revs, "A B: commits or refs (both or neither)")->expected(0, 2);
    diff->add_option("--repo", *repo_path, "Compare commits of this repository (no sysroot)");
    diff->callback([&options, revs, repo_path] {
        std::string a, b;
        deploy::layering::DbDiff result;
        if (revs->size() == 1)
            throw deploy::InvalidError("db diff: give two revisions, or none");
        if (!repo_path->empty()) {
            if (revs->size() != 2)
                throw deploy::InvalidError("db diff --repo: two revisions are required");
            auto repo = deploy::repo::Repo::open(*repo_path);
            result = deploy::layering::diff_commits(repo, repo.resolve_rev((*revs)[0]),
                                                    repo.resolve_rev((*revs)[1]));
        } else {
            auto sysroot = deploy::sysroot::Sysroot::open(
                {require_sysroot(options, "db diff"), options.cmdline_file});
            if (revs->size() == 2) {
                a = sysroot.repo().resolve_rev((*revs)[0]);
                b = sysroot.repo().resolve_rev((*revs)[1]);
            } else {
                auto list = sysroot.deployments();
                auto from = deploy::sysroot::Sysroot::merge_index(list);
                if (!from)
                    throw deploy::NotFoundError("no deployment yet");
                // The booted one against the default; unbooted, the default against the next.
                size_t to = 0;
                if (*from == 0 && list.size() > 1 && !list[0].booted)
                    from = 1;
                a = list[*from].commit;
                b = list[to].commit;
            }
            result = deploy::layering::diff_commits(sysroot.repo(), a, b);
        }
        auto out = deploy::layering::db_diff_json(result);
        if (options.json)
            fmt::print("{}\n", out.dump(2));
        else
            print_package_diff(out);
    });
}

}  // namespace deployctl
