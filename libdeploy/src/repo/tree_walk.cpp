#include "deploy/repo/tree_walk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"

namespace deploy::repo {

FileHeader read_file_header(const Repo& repo, const std::string& checksum) {
    std::string object = Repo::object_relpath(checksum, ObjectType::File);
    struct stat st;
    if (::fstatat(repo.objects_fd(), object.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
            throw NotFoundError(fmt::format("file object {} is missing", checksum));
        }
        throw_errno("cannot stat object", checksum);
    }
    FileHeader header;
    header.mode = st.st_mode;
    header.uid = st.st_uid;
    header.gid = st.st_gid;
    header.xattrs = fs::read_xattrs_at(repo.objects_fd(), object);
    if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(repo.objects_fd(), object.c_str(), target.data(), target.size());
        if (n < 0)
            throw_errno("cannot read object", checksum);
        target.resize(static_cast<size_t>(n));
        header.symlink_target = std::move(target);
    } else if (S_ISREG(st.st_mode)) {
        header.size = static_cast<uint64_t>(st.st_size);
    } else {
        throw CorruptError(
            fmt::format("file object {} is not a regular file or symlink", checksum));
    }
    return header;
}

std::string read_file_content(const Repo& repo, const std::string& checksum) {
    FileHeader header = read_file_header(repo, checksum);
    if (header.is_symlink()) {
        if (file_checksum(header, -1, checksum) != checksum) {
            throw CorruptError(fmt::format("file object {} is corrupt", checksum));
        }
        return header.symlink_target;
    }
    // Hash exactly the bytes that are returned.
    std::string content =
        fs::read_file_at(repo.objects_fd(), Repo::object_relpath(checksum, ObjectType::File));
    header.size = content.size();
    if (file_checksum_of_bytes(header, content) != checksum) {
        throw CorruptError(fmt::format("file object {} is corrupt", checksum));
    }
    return content;
}

TreeEntry lookup_path(const Repo& repo, const std::string& commit_csum, const std::string& path) {
    Commit commit = repo.read_commit(commit_csum);
    auto parts = path::split_relative(path);
    // A file inside the deepest directory allowed is the longest path that can exist.
    if (parts.size() > kMaxTreeDepth + 1) {
        throw InvalidError(fmt::format("path has {} components: trees are at most {} levels deep",
                                       parts.size(), kMaxTreeDepth));
    }
    TreeEntry entry{TreeEntry::Kind::Dir, "", commit.root_tree, commit.root_meta};
    for (size_t i = 0; i < parts.size(); ++i) {
        if (entry.kind != TreeEntry::Kind::Dir) {
            throw NotFoundError(fmt::format("{}: not a directory: {}", path, entry.path));
        }
        DirTree tree = repo.read_dirtree(entry.checksum);
        std::string child = fs::join(entry.path, parts[i]);
        if (const auto* d = tree.find_dir(parts[i])) {
            entry = {TreeEntry::Kind::Dir, child, d->tree, d->meta};
        } else if (const auto* f = tree.find_file(parts[i])) {
            FileHeader header = read_file_header(repo, f->checksum);
            entry = {header.is_symlink() ? TreeEntry::Kind::Symlink : TreeEntry::Kind::File, child,
                     f->checksum, ""};
        } else {
            throw NotFoundError(fmt::format("no such file or directory: {}", path));
        }
    }
    return entry;
}

namespace {

void walk_below(const Repo& repo, const std::string& top, const std::string& tree_csum,
                const std::string& prefix, size_t depth,
                const std::function<void(const TreeEntry&)>& fn) {
    DirTree tree = repo.read_dirtree(tree_csum);
    for (const auto& f : tree.files) {
        fn({TreeEntry::Kind::File, fs::join(prefix, f.name), f.checksum, ""});
    }
    for (const auto& d : tree.dirs) {
        std::string child = fs::join(prefix, d.name);
        if (depth + 1 > kMaxTreeDepth)
            throw tree_too_deep("tree " + top, child);
        fn({TreeEntry::Kind::Dir, child, d.tree, d.meta});
        walk_below(repo, top, d.tree, child, depth + 1, fn);
    }
}

}  // namespace

void walk_tree(const Repo& repo, const std::string& tree_csum, const std::string& prefix,
               const std::function<void(const TreeEntry&)>& fn) {
    // Recursion is bounded by the depth check, so the stack stays small whatever the store holds.
    walk_below(repo, tree_csum, tree_csum, prefix, path::split_relative(prefix).size(), fn);
}

}  // namespace deploy::repo
