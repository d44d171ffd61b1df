#include "deploy/repo/checkout.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"

namespace deploy::repo {

namespace {

class TreeCheckout {
  public:
    // what names the checked-out commit or tree in errors.
    TreeCheckout(const Repo& repo, std::string what, const CheckoutOptions& options,
                 Progress& progress)
        : repo_(repo), what_(std::move(what)), options_(options), progress_(progress) {}

    // Creates parent_fd/name from the dirtree/dirmeta pair; depth is the tree's depth in its
    // commit. The recursion holds one descriptor per level, bounded by kMaxTreeDepth.
    void checkout_dir(const std::string& tree_csum, const std::string& meta_csum, int parent_fd,
                      const std::string& name, const std::string& rel, size_t depth) {
        if (depth > kMaxTreeDepth)
            throw tree_too_deep(what_, rel);
        DirTree tree = repo_.read_dirtree(tree_csum);
        DirMeta meta = repo_.read_dirmeta(meta_csum);
        // Created owner-only and finished after the children, so a read-only directory can
        // still be filled and nobody sees a half-populated directory with its final mode.
        if (::mkdirat(parent_fd, name.c_str(), 0700) != 0) {
            throw_errno("cannot create directory", rel);
        }
        UniqueFd dir = fs::open_dir(parent_fd, name);
        for (const auto& file : tree.files) {
            checkout_file(file.checksum, dir.get(), file.name, fs::join(rel, file.name));
        }
        for (const auto& sub : tree.dirs) {
            checkout_dir(sub.tree, sub.meta, dir.get(), sub.name, fs::join(rel, sub.name),
                         depth + 1);
        }
        if (::fchown(dir.get(), meta.uid, meta.gid) != 0)
            throw_errno("cannot chown", rel);
        fs::write_xattrs_fd(dir.get(), meta.xattrs);
        if (::fchmod(dir.get(), meta.mode & 07777) != 0)
            throw_errno("cannot chmod", rel);
        if (++dirs_done_ % 256 == 0)
            check_cancel(progress_);
    }

  private:
    void checkout_file(const std::string& checksum, int dir_fd, const std::string& name,
                       const std::string& rel) {
        std::string object = Repo::object_relpath(checksum, ObjectType::File);
        struct stat st;
        if (::fstatat(repo_.objects_fd(), object.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) {
                throw NotFoundError(fmt::format(
                    "file object {} for {} is missing from the repository", checksum, rel));
            }
            throw_errno("cannot stat object", checksum);
        }
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
            throw CorruptError(fmt::format("file object {} for {} is not a file", checksum, rel));
        }
        if (options_.mode == CheckoutMode::Hardlink) {
            // A modified object (write through a hardlink) has a non-zero mtime: never spread it.
            if (st.st_mtim.tv_sec != 0 || st.st_mtim.tv_nsec != 0) {
                throw CorruptError(fmt::format(
                    "file object {} for {} was modified in place; run 'repo fsck'", checksum, rel));
            }
            if (::linkat(repo_.objects_fd(), object.c_str(), dir_fd, name.c_str(), 0) == 0) {
                return;
            }
            if (errno != EXDEV && errno != EMLINK)
                throw_errno("cannot link", rel);
        }
        copy_verified(checksum, st, dir_fd, name, rel);
    }

    // Copies the object content while hashing it, so a corrupt object is never used.
    void copy_verified(const std::string& checksum, const struct stat& st, int dir_fd,
                       const std::string& name, const std::string& rel) {
        FileHeader header = read_file_header(repo_, checksum);
        if (header.is_symlink()) {
            if (file_checksum(header, -1, rel) != checksum) {
                throw CorruptError(fmt::format("file object {} for {} is corrupt", checksum, rel));
            }
            if (::symlinkat(header.symlink_target.c_str(), dir_fd, name.c_str()) != 0) {
                throw_errno("cannot create symlink", rel);
            }
            if (::fchownat(dir_fd, name.c_str(), header.uid, header.gid, AT_SYMLINK_NOFOLLOW) !=
                0) {
                throw_errno("cannot chown", rel);
            }
            fs::write_xattrs_at(dir_fd, name, header.xattrs);
            return;
        }
        std::string object = Repo::object_relpath(checksum, ObjectType::File);
        UniqueFd in(
            ::openat(repo_.objects_fd(), object.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!in)
            throw_errno("cannot open object", checksum);
        if (file_checksum(header, in.get(), "object " + checksum) != checksum) {
            throw CorruptError(fmt::format("file object {} for {} is corrupt", checksum, rel));
        }
        UniqueFd out(::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!out)
            throw_errno("cannot create", rel);
        fs::copy_file_content(in.get(), out.get(), rel);
        if (::fchown(out.get(), header.uid, header.gid) != 0)
            throw_errno("cannot chown", rel);
        fs::write_xattrs_fd(out.get(), header.xattrs);
        if (::fchmod(out.get(), st.st_mode & 07777) != 0)
            throw_errno("cannot chmod", rel);
        struct timespec times[2] = {{0, 0}, {0, 0}};
        if (::futimens(out.get(), times) != 0)
            throw_errno("cannot set times of", rel);
    }

    const Repo& repo_;
    std::string what_;
    const CheckoutOptions& options_;
    Progress& progress_;
    uint64_t dirs_done_ = 0;
};

}  // namespace

namespace {

void checkout_at_depth(const Repo& repo, const std::string& what, const std::string& tree,
                       const std::string& meta, size_t depth, int dest_dirfd,
                       const std::string& dest, const CheckoutOptions& options,
                       Progress& progress) {
    if (fs::exists_at(dest_dirfd, dest)) {
        throw InvalidError(fmt::format("checkout destination {} already exists", dest));
    }
    // Create the destination relative to an opened parent so a symlink in dest's last
    // component cannot redirect it.
    auto slash = dest.rfind('/');
    UniqueFd parent = slash == std::string::npos ? fs::open_dir(dest_dirfd, ".")
                                                 : fs::open_dir(dest_dirfd, dest.substr(0, slash));
    std::string name = slash == std::string::npos ? dest : dest.substr(slash + 1);
    path::check_name(name, "checkout destination");
    ProgressTask task(progress, "checkout");
    TreeCheckout checkout(repo, what, options, progress);
    try {
        checkout.checkout_dir(tree, meta, parent.get(), name, dest, depth);
    } catch (...) {
        try {
            fs::remove_tree_at(parent.get(), name);
        } catch (...) {
        }
        throw;
    }
}

}  // namespace

void checkout_tree(const Repo& repo, const std::string& tree, const std::string& meta,
                   int dest_dirfd, const std::string& dest, const CheckoutOptions& options,
                   Progress& progress) {
    checkout_at_depth(repo, "tree " + tree, tree, meta, 0, dest_dirfd, dest, options, progress);
}

void checkout_commit(const Repo& repo, const std::string& commit_csum, int dest_dirfd,
                     const std::string& dest, const CheckoutOptions& options, Progress& progress) {
    Commit commit = repo.read_commit(commit_csum);
    if (repo.is_partial(commit_csum)) {
        throw NotFoundError(
            fmt::format("commit {} is only partially pulled (history only)", commit_csum));
    }
    std::string tree = commit.root_tree;
    std::string meta = commit.root_meta;
    size_t depth = 0;
    if (!options.subpath.empty()) {
        TreeEntry entry = lookup_path(repo, commit_csum, options.subpath);
        if (entry.kind != TreeEntry::Kind::Dir) {
            throw InvalidError(
                fmt::format("{} is not a directory in commit {}", options.subpath, commit_csum));
        }
        tree = entry.checksum;
        meta = entry.meta;
        depth = path::split_relative(options.subpath).size();
    }
    checkout_at_depth(repo, "commit " + commit_csum, tree, meta, depth, dest_dirfd, dest, options,
                      progress);
}

}  // namespace deploy::repo
