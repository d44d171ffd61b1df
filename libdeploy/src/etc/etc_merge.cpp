// The 3-way /etc merge: new defaults, plus the admin's changes (old defaults vs old etc).
#include "deploy/etc/etc_merge.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "admin_changes.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"
#include "etc_compare.hpp"
#include "etc_entry.hpp"

namespace deploy::etc {

namespace {

using detail::AdminChange;
using detail::EntryRef;
using detail::Located;
using detail::shown;

[[noreturn]] void throw_type_conflict(const std::string& path, bool dir_in_etc) {
    throw ConflictError(
        dir_in_etc
            ? fmt::format("/etc merge: {} is a directory in /etc but not in the new defaults",
                          shown(path))
            : fmt::format("/etc merge: {} is a file in /etc but a directory in the new defaults",
                          shown(path)));
}

// Makes dst_fd carry src's mode, owner and xattrs exactly: xattrs src lacks are removed, since a
// label or ACL the admin dropped must not come back from the new defaults.
void copy_dir_metadata(int src_fd, const struct stat& st, int dst_fd, const std::string& path) {
    fs::Xattrs want = fs::read_xattrs_fd(src_fd);
    for (const auto& [name, value] : fs::read_xattrs_fd(dst_fd)) {
        if (want.count(name) == 0 && ::fremovexattr(dst_fd, name.c_str()) != 0 &&
            errno != ENODATA) {
            throw_errno("/etc merge: cannot remove xattr " + name + " of", shown(path));
        }
    }
    fs::write_xattrs_fd(dst_fd, want);
    // Like fs::copy_tree_at: without CAP_CHOWN (tests, image builds as a user) ownership is
    // best effort; everything else still has to match.
    if (::fchown(dst_fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
        throw_errno("/etc merge: cannot chown", shown(path));
    }
    if (::fchmod(dst_fd, st.st_mode & 07777) != 0) {
        throw_errno("/etc merge: cannot chmod", shown(path));
    }
}

class EtcMerge {
  public:
    EtcMerge(int old_defaults, int old_etc, int new_defaults, int dest)
        : old_defaults_(old_defaults),
          old_etc_(old_etc),
          new_defaults_(new_defaults),
          dest_(dest) {}

    void apply(const AdminChange& change) {
        auto old_default = detail::locate(old_defaults_, change.path);
        auto admin = detail::locate(old_etc_, change.path);
        auto new_default = detail::locate(new_defaults_, change.path);
        // A file cannot stand where the new image expects a directory (nor the reverse) without
        // silently breaking one side: stop and let the admin decide.
        if (admin && new_default && admin->is_dir() != new_default->is_dir()) {
            throw_type_conflict(change.path, admin->is_dir());
        }
        if (conflicts(change, old_default, admin, new_default)) {
            result_.conflicts.push_back(change.path);
        }
        try {
            if (change.status == 'D') {
                remove_from_dest(change.path);
            } else if (change.dir_metadata) {
                keep_dir(change.path);
            } else {
                replace_in_dest(change.path, *admin);
            }
        } catch (const SystemError& e) {
            throw SystemError(e.code(), "/etc merge: cannot carry over", shown(change.path));
        }
        result_.applied.push_back({change.status, change.path});
    }

    // Directory metadata goes on last and deepest first, so a read-only mode the admin chose
    // never stands in the way of writing below it.
    void finish() {
        for (auto it = restamp_.rbegin(); it != restamp_.rend(); ++it) {
            auto admin = detail::locate(old_etc_, *it);
            if (!admin || !admin->is_dir())
                continue;
            UniqueFd src = fs::open_dir(admin->parent.get(), admin->name);
            UniqueFd dst = fs::open_dir(dest_, *it);
            copy_dir_metadata(src.get(), admin->st, dst.get(), *it);
        }
    }

    MergeResult take_result() { return std::move(result_); }

  private:
    static bool same(const std::optional<Located>& a, const std::optional<Located>& b,
                     bool metadata_only, const std::string& path) {
        if (!a || !b)
            return !a && !b;
        EntryRef ra{a->parent.get(), a->name, a->st};
        EntryRef rb{b->parent.get(), b->name, b->st};
        return metadata_only ? detail::metadata_equal(ra, rb) : detail::trees_equal(ra, rb, path);
    }

    // Both sides changed the path, and differently: the admin's version wins, but the admin
    // should look at what the new defaults wanted.
    static bool conflicts(const AdminChange& change, const std::optional<Located>& old_default,
                          const std::optional<Located>& admin,
                          const std::optional<Located>& new_default) {
        bool defaults_changed = !same(old_default, new_default, change.dir_metadata, change.path);
        return defaults_changed && !same(admin, new_default, change.dir_metadata, change.path);
    }

    // Opens the parent of path in dest one component at a time (never through a symlink),
    // creating directories the new defaults dropped but the admin still has files in.
    UniqueFd ensure_dest_parent(const std::string& path) {
        UniqueFd cur = fs::open_dir(dest_, "");
        std::vector<std::string> parts = path::split_relative(path);
        parts.pop_back();
        std::string prefix;
        for (const auto& part : parts) {
            prefix = fs::join(prefix, part);
            struct stat st;
            if (!fs::lstat_at_if_exists(cur.get(), part, st)) {
                if (::mkdirat(cur.get(), part.c_str(), 0700) != 0) {
                    throw_errno("cannot create directory", part);
                }
                restamp_.insert(prefix);
            } else if (!S_ISDIR(st.st_mode)) {
                throw_type_conflict(prefix, true);
            }
            cur = fs::open_dir(cur.get(), part);
        }
        return cur;
    }

    static std::string leaf_of(const std::string& path) {
        auto slash = path.rfind('/');
        return slash == std::string::npos ? path : path.substr(slash + 1);
    }

    void remove_from_dest(const std::string& path) {
        if (auto found = detail::locate(dest_, path)) {
            fs::remove_tree_at(found->parent.get(), found->name);
        }
    }

    // The admin's entry is kept whole: nothing of the new default at that path survives.
    void replace_in_dest(const std::string& path, const Located& admin) {
        UniqueFd parent = ensure_dest_parent(path);
        std::string leaf = leaf_of(path);
        fs::remove_tree_at(parent.get(), leaf);
        fs::copy_tree_at(admin.parent.get(), admin.name, parent.get(), leaf);
    }

    // A directory whose own metadata the admin changed; its children are separate changes.
    void keep_dir(const std::string& path) {
        UniqueFd parent = ensure_dest_parent(path);
        std::string leaf = leaf_of(path);
        struct stat st;
        if (!fs::lstat_at_if_exists(parent.get(), leaf, st)) {
            if (::mkdirat(parent.get(), leaf.c_str(), 0700) != 0) {
                throw_errno("cannot create directory", leaf);
            }
        } else if (!S_ISDIR(st.st_mode)) {
            throw_type_conflict(path, true);
        }
        restamp_.insert(path);
    }

    int old_defaults_;
    int old_etc_;
    int new_defaults_;
    int dest_;
    MergeResult result_;
    std::set<std::string> restamp_;  // dest directories that take the admin's metadata
};

void copy_new_defaults(int new_defaults_dirfd, int dest_fd) {
    for (const auto& name : fs::list_dir(new_defaults_dirfd)) {
        try {
            fs::copy_tree_at(new_defaults_dirfd, name, dest_fd, name);
        } catch (const SystemError& e) {
            throw SystemError(e.code(), "/etc merge: cannot copy the new default", shown(name));
        }
    }
}

}  // namespace

MergeResult merge_etc(int old_defaults_dirfd, int old_etc_dirfd, int new_defaults_dirfd,
                      int dest_parent_dirfd, const std::string& dest_name) {
    path::check_name(dest_name, "/etc merge destination");
    // Everything that can refuse the merge without writing runs before dest exists.
    std::vector<AdminChange> changes =
        detail::collect_admin_changes(old_defaults_dirfd, old_etc_dirfd);
    detail::check_tree_supported(new_defaults_dirfd, "");

    // mkdirat failing on an existing dest is what keeps us from removing something we did not
    // create in the cleanup below.
    if (::mkdirat(dest_parent_dirfd, dest_name.c_str(), 0700) != 0) {
        throw_errno("/etc merge: cannot create", dest_name);
    }
    try {
        UniqueFd dest = fs::open_dir(dest_parent_dirfd, dest_name);
        copy_new_defaults(new_defaults_dirfd, dest.get());
        EtcMerge merge(old_defaults_dirfd, old_etc_dirfd, new_defaults_dirfd, dest.get());
        for (const auto& change : changes) {
            merge.apply(change);
        }
        merge.finish();
        // The etc directory itself belongs to the image: its mode and label follow the new
        // defaults, and `etc diff` never lists it.
        copy_dir_metadata(new_defaults_dirfd, fs::lstat_at(new_defaults_dirfd, "."), dest.get(),
                          "");
        return merge.take_result();
    } catch (...) {
        try {
            fs::remove_tree_at(dest_parent_dirfd, dest_name);
        } catch (...) {
            // The original error is what the caller needs; a leftover dest is refused by the
            // next attempt's mkdirat and cleaned up with the failed deployment.
        }
        throw;
    }
}

}  // namespace deploy::etc
