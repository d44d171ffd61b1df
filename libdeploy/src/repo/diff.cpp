// Tree differences between two commits, by checksum: equal subtrees are skipped without being
// read, so diffing two versions of an OS costs in proportion to what changed.
#include <algorithm>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::repo {

namespace {

class TreeDiff {
  public:
    TreeDiff(const Repo& repo, std::string what) : repo_(repo), what_(std::move(what)) {}

    // depth: of the two trees in their commits; the recursion stops at kMaxTreeDepth.
    void compare(const std::string& from_tree, const std::string& to_tree,
                 const std::string& prefix, size_t depth) {
        if (from_tree == to_tree)
            return;
        if (depth > kMaxTreeDepth)
            throw tree_too_deep(what_, prefix);
        DirTree a = repo_.read_dirtree(from_tree);
        DirTree b = repo_.read_dirtree(to_tree);
        compare_files(a, b, prefix);
        compare_dirs(a, b, prefix, depth);
    }

    std::vector<DiffEntry> take() {
        // A path that changed type appears as 'D' then 'A'; stable sort keeps that order.
        std::stable_sort(entries_.begin(), entries_.end(),
                         [](const DiffEntry& x, const DiffEntry& y) { return x.path < y.path; });
        return std::move(entries_);
    }

    void add(char status, std::string path) { entries_.push_back({status, std::move(path)}); }

  private:
    void compare_files(const DirTree& a, const DirTree& b, const std::string& prefix) {
        for (const auto& f : a.files) {
            std::string path = fs::join(prefix, f.name);
            if (const auto* other = b.find_file(f.name)) {
                if (other->checksum != f.checksum)
                    add('M', path);
            } else {
                // Gone, or replaced by a directory (whose 'A' entries compare_dirs adds).
                add('D', path);
            }
        }
        for (const auto& f : b.files) {
            if (a.find_file(f.name) == nullptr)
                add('A', fs::join(prefix, f.name));
        }
    }

    void compare_dirs(const DirTree& a, const DirTree& b, const std::string& prefix, size_t depth) {
        for (const auto& d : a.dirs) {
            std::string path = fs::join(prefix, d.name);
            if (const auto* other = b.find_dir(d.name)) {
                if (other->meta != d.meta)
                    add('M', path);
                compare(d.tree, other->tree, path, depth + 1);
            } else {
                whole_dir('D', d, path);
            }
        }
        for (const auto& d : b.dirs) {
            if (a.find_dir(d.name) == nullptr)
                whole_dir('A', d, fs::join(prefix, d.name));
        }
    }

    // An added or deleted directory is reported with everything in it, like `diff -r` would.
    void whole_dir(char status, const DirTree::Dir& dir, const std::string& path) {
        add(status, path);
        walk_tree(repo_, dir.tree, path, [&](const TreeEntry& e) { add(status, e.path); });
    }

    const Repo& repo_;
    std::string what_;
    std::vector<DiffEntry> entries_;
};

Commit read_complete_commit(const Repo& repo, const std::string& rev) {
    std::string checksum = repo.resolve_rev(rev);
    if (repo.is_partial(checksum)) {
        throw NotFoundError(
            fmt::format("commit {} is only partially pulled (history only)", checksum));
    }
    return repo.read_commit(checksum);
}

}  // namespace

std::vector<DiffEntry> diff_commits(const Repo& repo, const std::string& from,
                                    const std::string& to) {
    Commit a = read_complete_commit(repo, from);
    Commit b = read_complete_commit(repo, to);
    TreeDiff diff(repo, fmt::format("diff {} {}", from, to));
    // The root has no name of its own; "/" stands for it when only its metadata changed.
    if (a.root_meta != b.root_meta)
        diff.add('M', "/");
    diff.compare(a.root_tree, b.root_tree, "", 0);
    return diff.take();
}

}  // namespace deploy::repo
