// deployctl repo ...: the content store on its own (also a sysroot's repo with --repo DIR/repo).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "cli.hpp"
#include "deploy/error.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/repo/commit_builder.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "deploy/util/fs.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

namespace repo = deploy::repo;
namespace fs = deploy::fs;

namespace {

struct RepoArgs {
    std::string repo;
};

CLI::App* repo_subcommand(CLI::App& parent, const char* name, const char* help,
                          std::shared_ptr<RepoArgs> args) {
    auto* cmd = parent.add_subcommand(name, help);
    cmd->add_option("--repo", args->repo, "Repository directory (default with --sysroot: its repo)");
    return cmd;
}

// Paths typed by the admin may go through symlinks and "..": only the store's paths are hostile.
deploy::UniqueFd open_user_dir(const std::string& path) {
    deploy::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        deploy::throw_errno("cannot open directory", path);
    return fd;
}

std::string mode_string(uint32_t mode) {
    char type = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '-';
    return fmt::format("{}0{:04o}", type, mode & 07777);
}

void print_log(const repo::Repo& r, std::string commit) {
    while (!commit.empty()) {
        repo::Commit c = r.read_commit(commit);
        std::time_t t = static_cast<std::time_t>(c.timestamp);
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        char date[32];
        std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S +0000", &tm);
        fmt::print("commit {}\n", commit);
        if (!c.parent.empty())
            fmt::print("Parent:  {}\n", c.parent);
        fmt::print("Date:    {}\n", date);
        if (!c.version.empty())
            fmt::print("Version: {}\n", c.version);
        fmt::print("\n    {}\n\n", c.subject.empty() ? "(no subject)" : c.subject);
        if (!c.parent.empty() && !r.has_object(c.parent, repo::ObjectType::Commit)) {
            fmt::print("<< History beyond this commit not fetched >>\n");
            break;
        }
        commit = c.parent;
    }
}

void print_ls_entry(const repo::Repo& r, const repo::TreeEntry& e) {
    std::string path = "/" + e.path;
    if (e.kind == repo::TreeEntry::Kind::Dir) {
        auto meta = r.read_dirmeta(e.meta);
        fmt::print("{} {} {} {:>10} {}\n", mode_string(meta.mode), meta.uid, meta.gid, 0, path);
        return;
    }
    auto h = repo::read_file_header(r, e.checksum);
    if (h.is_symlink()) {
        fmt::print("{} {} {} {:>10} {} -> {}\n", mode_string(h.mode), h.uid, h.gid, 0, path,
                   h.symlink_target);
    } else {
        fmt::print("{} {} {} {:>10} {}\n", mode_string(h.mode), h.uid, h.gid, h.size, path);
    }
}

}  // namespace

void register_repo_commands(CLI::App& app, GlobalOptions& options) {
    auto* repo_cmd = app.add_subcommand("repo", "Content store commands (--repo DIR)");
    repo_cmd->require_subcommand(1);
    auto args = std::make_shared<RepoArgs>();

    repo_subcommand(*repo_cmd, "init", "Create a repository", args)->callback([&options, args] {
        refuse_json(options, "repo init");
        repo::Repo::init(repo_path(options, args->repo, "repo init"));
    });

    {
        auto* cmd = repo_subcommand(*repo_cmd, "commit", "Commit TREE to a branch", args);
        auto opts = std::make_shared<repo::CommitOptions>();
        auto tree = std::make_shared<std::string>();
        auto skip = std::make_shared<bool>(false);
        cmd->add_option("--branch,-b", opts->branch, "Branch (ref) to update")->required();
        cmd->add_option("--version", opts->version, "Version of this commit");
        cmd->add_option("--subject,-s", opts->subject, "One-line subject");
        cmd->add_option("--body", opts->body, "Longer description");
        cmd->add_flag("--skip-special-files", *skip, "Skip device nodes, sockets and fifos");
        cmd->add_option("TREE", *tree, "Directory to commit")->required();
        cmd->callback([&options, args, opts, tree, skip] {
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            opts->skip_special_files = *skip;
            TerminalProgress progress(true);
            deploy::UniqueFd src = open_user_dir(*tree);
            auto result = repo::commit_tree(r, src.get(), ".", *opts, progress);
            if (options.json) {
                nlohmann::json out;
                out["commit"] = result.commit;
                out["files"] = result.stats.files;
                out["new_objects"] = result.stats.new_objects;
                out["reused_checkout_files"] = result.stats.reused_checkout_files;
                out["bytes_hashed"] = result.stats.bytes_hashed;
                fmt::print("{}\n", out.dump(2));
            } else {
                fmt::print("{}\n", result.commit);
            }
        });
    }

    repo_subcommand(*repo_cmd, "refs", "List refs", args)->callback([&options, args] {
        auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
        auto refs = r.list_refs();
        if (options.json) {
            fmt::print("{}\n", nlohmann::json(refs).dump(2));
            return;
        }
        for (const auto& [name, commit] : refs)
            fmt::print("{}\n", name);
    });

    {
        auto* cmd = repo_subcommand(*repo_cmd, "log", "Show the history of REF", args);
        auto rev = std::make_shared<std::string>();
        cmd->add_option("REF", *rev)->required();
        cmd->callback([&options, args, rev] {
            refuse_json(options, "repo log");
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            print_log(r, r.resolve_rev(*rev));
        });
    }

    {
        auto* cmd = repo_subcommand(*repo_cmd, "ls", "List a directory of REF's tree", args);
        auto rev = std::make_shared<std::string>();
        auto path = std::make_shared<std::string>("/");
        auto recursive = std::make_shared<bool>(false);
        cmd->add_option("REF", *rev)->required();
        cmd->add_option("PATH", *path);
        cmd->add_flag("-R,--recursive", *recursive, "List subdirectories too");
        cmd->callback([&options, args, rev, path, recursive] {
            refuse_json(options, "repo ls");
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            std::string commit = r.resolve_rev(*rev);
            auto entry = repo::lookup_path(r, commit, *path);
            print_ls_entry(r, entry);
            if (entry.kind != repo::TreeEntry::Kind::Dir)
                return;
            if (*recursive) {
                repo::walk_tree(r, entry.checksum, entry.path,
                                [&](const repo::TreeEntry& e) { print_ls_entry(r, e); });
                return;
            }
            auto tree = r.read_dirtree(entry.checksum);
            for (const auto& d : tree.dirs) {
                print_ls_entry(
                    r, {repo::TreeEntry::Kind::Dir, fs::join(entry.path, d.name), d.tree, d.meta});
            }
            for (const auto& f : tree.files) {
                print_ls_entry(
                    r, {repo::TreeEntry::Kind::File, fs::join(entry.path, f.name), f.checksum, ""});
            }
        });
    }

    {
        auto* cmd = repo_subcommand(*repo_cmd, "cat", "Print a file of REF's tree", args);
        auto rev = std::make_shared<std::string>();
        auto path = std::make_shared<std::string>();
        cmd->add_option("REF", *rev)->required();
        cmd->add_option("PATH", *path)->required();
        cmd->callback([&options, args, rev, path] {
            refuse_json(options, "repo cat");
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            auto entry = repo::lookup_path(r, r.resolve_rev(*rev), *path);
            if (entry.kind != repo::TreeEntry::Kind::File) {
                throw deploy::InvalidError(fmt::format("{} is not a regular file", *path));
            }
            std::string content = repo::read_file_content(r, entry.checksum);
            std::fwrite(content.data(), 1, content.size(), stdout);
        });
    }

    {
        auto* cmd = repo_subcommand(*repo_cmd, "checkout", "Check out REF into DEST", args);
        auto rev = std::make_shared<std::string>();
        auto dest = std::make_shared<std::string>();
        auto copy = std::make_shared<bool>(false);
        auto subpath = std::make_shared<std::string>();
        cmd->add_option("REF", *rev)->required();
        cmd->add_option("DEST", *dest)->required();
        cmd->add_flag("--copy", *copy,
                      "Copy file content instead of hardlinking (for trees you will edit)");
        cmd->add_option("--subpath", *subpath, "Only this directory of the tree");
        cmd->callback([&options, args, rev, dest, copy, subpath] {
            refuse_json(options, "repo checkout");
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            repo::CheckoutOptions opts;
            opts.mode = *copy ? repo::CheckoutMode::Copy : repo::CheckoutMode::Hardlink;
            opts.subpath = *subpath;
            TerminalProgress progress(true);
            std::string target = *dest;
            while (target.size() > 1 && target.back() == '/')
                target.pop_back();
            auto slash = target.rfind('/');
            deploy::UniqueFd parent = open_user_dir(
                slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash)));
            std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
            repo::checkout_commit(r, r.resolve_rev(*rev), parent.get(), name, opts, progress);
        });
    }

    {
        auto* cmd = repo_subcommand(*repo_cmd, "diff", "Show changed paths between A and B", args);
        auto a = std::make_shared<std::string>();
        auto b = std::make_shared<std::string>();
        cmd->add_option("A", *a)->required();
        cmd->add_option("B", *b)->required();
        cmd->callback([&options, args, a, b] {
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            auto changes = repo::diff_commits(r, r.resolve_rev(*a), r.resolve_rev(*b));
            if (options.json) {
                nlohmann::json out = nlohmann::json::array();
                for (const auto& c : changes) {
                    out.push_back({{"status", std::string(1, c.status)}, {"path", "/" + c.path}});
                }
                fmt::print("{}\n", out.dump(2));
                return;
            }
            for (const auto& c : changes)
                fmt::print("{}    /{}\n", c.status, c.path);
        });
    }

    repo_subcommand(*repo_cmd, "fsck", "Verify every object and ref", args)->callback([&options, args] {
            refuse_json(options, "repo fsck");
        auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
        TerminalProgress progress(true);
        auto result = repo::fsck(r, progress);
        for (const auto& e : result.errors)
            fmt::print(stderr, "{}\n", e);
        if (!result.errors.empty()) {
            throw deploy::CorruptError(fmt::format("fsck found {} problem(s) in {} objects",
                                                   result.errors.size(), result.objects_checked));
        }
        fmt::print("Checked {} objects: no problems.\n", result.objects_checked);
    });

    {
        auto* cmd = repo_subcommand(*repo_cmd, "prune", "Delete objects no ref reaches", args);
        auto popts = std::make_shared<repo::PruneOptions>();
        auto refs_only_tips = std::make_shared<bool>(false);
        cmd->add_flag("--dry-run", popts->dry_run, "Only count");
        cmd->add_flag("--tips-only", *refs_only_tips, "Keep only the commits refs point at");
        cmd->callback([&options, args, popts, refs_only_tips] {
            refuse_json(options, "repo prune");
            auto r = repo::Repo::open(repo_path(options, args->repo, "repo"));
            popts->keep_history = !*refs_only_tips;
            TerminalProgress progress(true);
            auto result = repo::prune(r, *popts, progress);
            fmt::print("Total objects: {}\n{} {} objects, {} bytes freed\n", result.objects_total,
                       popts->dry_run ? "Would delete" : "Deleted", result.objects_removed,
                       result.bytes_freed);
        });
    }
}

}  // namespace deployctl
