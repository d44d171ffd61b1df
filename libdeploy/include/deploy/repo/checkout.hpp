// Materialising a commit (or a subtree) as a directory.
#pragma once

#include <string>

#include "deploy/repo/repo.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::repo {

enum class CheckoutMode {
    Hardlink,  // file objects are hardlinked (same filesystem required); the default
    Copy,      // file content is copied (reflinked where possible)
};

struct CheckoutOptions {
    CheckoutMode mode = CheckoutMode::Hardlink;
    // Only this subdirectory of the tree (e.g. "usr/etc"); empty = whole tree.
    std::string subpath;
};

// Checks out commit into dest_dirfd/dest, which must not exist. Metadata objects are verified by
// checksum. Hardlink mode checks each file object's type and that it was never written through a
// link (mtime still 0) without re-reading content: content was hashed when the object entered
// the store (commit or pull) and `repo fsck` re-verifies it. Copy mode hashes what it copies.
// Names from the store are validated; nothing is ever written outside dest. On error, dest is
// removed.
void checkout_commit(const Repo& repo, const std::string& commit, int dest_dirfd,
                     const std::string& dest, const CheckoutOptions& options, Progress& progress);

// Same for a dirtree/dirmeta pair.
void checkout_tree(const Repo& repo, const std::string& tree, const std::string& meta,
                   int dest_dirfd, const std::string& dest, const CheckoutOptions& options,
                   Progress& progress);

}  // namespace deploy::repo
