// Reading a committed tree without checking it out: ls, cat, diff, reachability.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "deploy/repo/repo.hpp"

namespace deploy::repo {

struct TreeEntry {
    enum class Kind { File, Symlink, Dir } kind;
    std::string path;      // relative path from the tree root ("usr/bin/sh")
    std::string checksum;  // file checksum, or dirtree checksum for directories
    std::string meta;      // dirmeta checksum for directories
};

// Finds the entry at path inside commit's tree (path "" or "/" = root). NotFoundError naming it.
TreeEntry lookup_path(const Repo& repo, const std::string& commit, const std::string& path);

// Header of a stored file object (read from the object's stat and xattrs).
FileHeader read_file_header(const Repo& repo, const std::string& checksum);
// Content of a regular file object (verified against its checksum) or a symlink's target.
std::string read_file_content(const Repo& repo, const std::string& checksum);

// Calls fn for every entry below the given dirtree, depth first, parents before children. prefix
// is the tree's own path from the root (its depth counts against kMaxTreeDepth); deeper trees end
// in CorruptError naming the tree and path.
void walk_tree(const Repo& repo, const std::string& tree, const std::string& prefix,
               const std::function<void(const TreeEntry&)>& fn);

}  // namespace deploy::repo
