// Store maintenance: diff, fsck, prune, pull from file:// remotes.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "deploy/repo/repo.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::repo {

struct DiffEntry {
    char status;  // 'A' added, 'D' deleted, 'M' modified (content or metadata)
    std::string path;
};
// Differences between two commits' trees, sorted by path. Unchanged subtrees are skipped by
// checksum without descending.
std::vector<DiffEntry> diff_commits(const Repo& repo, const std::string& from,
                                    const std::string& to);

struct FsckResult {
    uint64_t objects_checked = 0;
    std::vector<std::string> errors;  // one line each, naming the object
};
// Verifies every object's checksum (file content in parallel) and that every ref's commit and
// tree is complete (partial commits are allowed to miss their tree).
FsckResult fsck(const Repo& repo, Progress& progress);

struct PruneOptions {
    // Commits to keep in addition to everything reachable from refs.
    std::set<std::string> extra_commits;
    // Follow parents of kept commits (full history) or keep only the tips (depth 0).
    bool keep_history = true;
    bool dry_run = false;
};
struct PruneResult {
    uint64_t objects_total = 0;
    uint64_t objects_removed = 0;
    uint64_t bytes_freed = 0;
};
PruneResult prune(Repo& repo, const PruneOptions& options, Progress& progress);

struct PullResult {
    std::string commit;
    uint64_t objects_fetched = 0;
    uint64_t bytes_fetched = 0;
};
// Pulls `ref` from the remote into refs/remotes/<remote>/<ref>: the commit history (commit
// objects only; older commits marked partial) and the full tree of the target commit (the ref's
// tip, or `commit` if given). Only missing objects are fetched, hardlinked when on the same
// filesystem, copied otherwise; each is verified by checksum before it is published.
PullResult pull(Repo& repo, const std::string& remote, const std::string& ref,
                const std::string& commit, Progress& progress);
// Only the commit objects (for upgrade --check); returns the remote tip.
std::string pull_commit_metadata(Repo& repo, const std::string& remote, const std::string& ref,
                                 Progress& progress);

}  // namespace deploy::repo
