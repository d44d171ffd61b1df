// Writing a directory tree into the store as a commit.
#pragma once

#include <string>

#include "deploy/repo/repo.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::repo {

struct CommitOptions {
    std::string branch;  // ref to update; empty = do not update a ref
    std::string parent;  // defaults to the branch's current commit
    std::string version;
    std::string subject;
    std::string body;
    nlohmann::json metadata = nlohmann::json::object();
    int64_t timestamp = 0;  // 0 = now
    // A tree with only etc/ has it moved to usr/etc; a tree with both is refused.
    bool move_etc_to_usr_etc = true;
    // Device nodes, sockets and fifos: refused (false) or skipped with a message (true).
    bool skip_special_files = false;
};

struct CommitStats {
    uint64_t files = 0;
    uint64_t dirs = 0;
    uint64_t new_objects = 0;
    uint64_t reused_checkout_files = 0;  // hardlinked from this repo: not re-read
    uint64_t bytes_hashed = 0;
};

struct CommitResult {
    std::string commit;
    std::string root_tree;
    std::string root_meta;
    CommitStats stats;
};

// Hashes the tree at src_dirfd/src (in parallel), writes missing objects, the commit, syncs once,
// then updates the branch. Files that are hardlinks of this repo's objects (a checkout) are not
// re-read: their inode proves their checksum.
CommitResult commit_tree(Repo& repo, int src_dirfd, const std::string& src,
                         const CommitOptions& options, Progress& progress);

// Writes the tree at src_dirfd/src into the store and returns its (dirtree, dirmeta) without
// making a commit (used by layering and tests).
std::pair<std::string, std::string> write_tree(Repo& repo, int src_dirfd, const std::string& src,
                                               const CommitOptions& options, Progress& progress,
                                               CommitStats& stats);

}  // namespace deploy::repo
