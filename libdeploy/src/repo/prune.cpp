// Garbage collection: mark what refs (and callers' extra commits) reach, delete the rest.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/sha256.hpp"

namespace deploy::repo {

namespace {

// Everything reachable, keyed by object file name relative to objects/ ("ab/cdef....type").
class Marker {
  public:
    explicit Marker(const Repo& repo) : repo_(repo) {}

    void mark_commit(const std::string& checksum, bool follow_parents) {
        std::string current = checksum;
        while (!current.empty() && repo_.has_object(current, ObjectType::Commit)) {
            if (!keep(current, ObjectType::Commit))
                return;  // already marked with its history
            Commit commit = repo_.read_commit(current);
            // A partial commit may hold part of its tree (an interrupted pull): keep what is
            // there so the retry need not fetch it again.
            mark_meta(commit.root_meta);
            mark_tree(commit.root_tree);
            if (!follow_parents)
                return;
            current = commit.parent;
        }
    }

    bool is_marked(const std::string& relpath) const { return kept_.count(relpath) != 0; }

  private:
    // Returns false when it was already marked.
    bool keep(const std::string& checksum, ObjectType type) {
        return kept_.insert(Repo::object_relpath(checksum, type)).second;
    }

    void mark_meta(const std::string& checksum) { keep(checksum, ObjectType::DirMeta); }

    // Iterative, with no depth limit: marking only reads, and a garbage collector that gave up
    // on a hostile deep tree would leave its space taken forever, while one that skipped it would
    // delete what a ref still reaches.
    void mark_tree(const std::string& root) {
        std::vector<std::string> pending{root};
        while (!pending.empty()) {
            std::string checksum = std::move(pending.back());
            pending.pop_back();
            // Missing (partial commit, or damage that fsck reports): there is nothing to keep.
            if (!repo_.has_object(checksum, ObjectType::DirTree))
                continue;
            if (!keep(checksum, ObjectType::DirTree))
                continue;
            // A corrupt reachable dirtree hides what it references: deleting "unreachable"
            // objects then could destroy live data, so read_dirtree's CorruptError aborts.
            DirTree tree = repo_.read_dirtree(checksum);
            for (const auto& f : tree.files)
                keep(f.checksum, ObjectType::File);
            for (auto& d : tree.dirs) {
                mark_meta(d.meta);
                pending.push_back(std::move(d.tree));
            }
        }
    }

    const Repo& repo_;
    std::unordered_set<std::string> kept_;
};

bool valid_object_name(const std::string& prefix, const std::string& name) {
    auto dot = name.find('.');
    if (dot == std::string::npos || !is_valid_checksum(prefix + name.substr(0, dot))) {
        return false;
    }
    std::string suffix = name.substr(dot + 1);
    return suffix == "file" || suffix == "dirtree" || suffix == "dirmeta" || suffix == "commit";
}

// Space a removal gives back: nothing while another hardlink (a deployment) keeps the inode.
uint64_t freed_bytes(const struct stat& st) {
    return st.st_nlink <= 1 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
}

void remove_entry(int dirfd, const std::string& name, const std::string& what) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
        throw_errno("cannot remove", what);
    }
}

// Staging names are "<kind>-<pid>-<...>"; a file whose writer is still alive (this process
// included: a long-lived daemon may have another writer thread) may be in use. Leftovers of
// this process are removed by the next process to prune.
bool staged_by_live_writer(const std::string& name) {
    auto dash = name.find('-');
    if (dash == std::string::npos)
        return false;
    std::string_view rest(name);
    rest.remove_prefix(dash + 1);
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (ec != std::errc() || end == rest.data() || pid <= 0)
        return false;
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

void prune_tmp(const Repo& repo, const PruneOptions& options, PruneResult& result) {
    for (const auto& name : fs::list_dir(repo.tmp_fd())) {
        if (staged_by_live_writer(name))
            continue;
        struct stat st;
        if (!fs::lstat_at_if_exists(repo.tmp_fd(), name, st))
            continue;
        if (!S_ISDIR(st.st_mode))
            result.bytes_freed += freed_bytes(st);
        if (!options.dry_run)
            fs::remove_tree_at(repo.tmp_fd(), name);
    }
}

void prune_partial_markers(const Repo& repo, const PruneOptions& options) {
    if (options.dry_run)
        return;
    UniqueFd state = fs::open_dir_if_exists(repo.dir_fd(), "state");
    if (!state)
        return;
    const std::string suffix = ".partial";
    for (const auto& name : fs::list_dir(state.get())) {
        if (name.size() != 64 + suffix.size() || name.compare(64, suffix.size(), suffix) != 0) {
            continue;
        }
        if (!repo.has_object(name.substr(0, 64), ObjectType::Commit)) {
            remove_entry(state.get(), name, "state/" + name);
        }
    }
}

}  // namespace

PruneResult prune(Repo& repo, const PruneOptions& options, Progress& progress) {
    ProgressTask task(progress, "prune");
    Marker marker(repo);
    for (const auto& [ref, commit] : repo.list_refs()) {
        marker.mark_commit(commit, options.keep_history);
    }
    for (const auto& commit : options.extra_commits) {
        if (!is_valid_checksum(commit)) {
            throw InvalidError(fmt::format("prune: invalid commit checksum '{}'", commit));
        }
        marker.mark_commit(commit, options.keep_history);
    }
    check_cancel(progress);

    PruneResult result;
    auto prefixes = fs::list_dir(repo.objects_fd());
    for (size_t i = 0; i < prefixes.size(); ++i) {
        const auto& prefix = prefixes[i];
        struct stat st;
        if (prefix.size() != 2 || !fs::lstat_at_if_exists(repo.objects_fd(), prefix, st) ||
            !S_ISDIR(st.st_mode)) {
            continue;  // not ours to judge; fsck reports it
        }
        UniqueFd dir = fs::open_dir(repo.objects_fd(), prefix);
        for (const auto& name : fs::list_dir(dir.get())) {
            if (!valid_object_name(prefix, name))
                continue;
            ++result.objects_total;
            if (marker.is_marked(prefix + "/" + name))
                continue;
            if (!fs::lstat_at_if_exists(dir.get(), name, st))
                continue;
            ++result.objects_removed;
            result.bytes_freed += freed_bytes(st);
            if (!options.dry_run)
                remove_entry(dir.get(), name, "objects/" + prefix + "/" + name);
        }
        progress.percent("prune", static_cast<int>((i + 1) * 100 / prefixes.size()));
    }
    prune_tmp(repo, options, result);
    prune_partial_markers(repo, options);
    spdlog::debug("prune: {} of {} objects {}, {} bytes", result.objects_removed,
                  result.objects_total, options.dry_run ? "unreachable" : "removed",
                  result.bytes_freed);
    return result;
}

}  // namespace deploy::repo
