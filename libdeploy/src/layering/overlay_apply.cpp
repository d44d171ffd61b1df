#include "overlay_apply.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::layering {

namespace {

constexpr const char* kOverlayXattrPrefix = "trusted.overlay.";

bool is_whiteout(const struct stat& st) {
    return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool is_opaque(int dir_fd) {
    char value[4] = {};
    ssize_t n = ::fgetxattr(dir_fd, "trusted.overlay.opaque", value, sizeof value);
    return n == 1 && value[0] == 'y';
}

// Drops overlayfs' bookkeeping xattrs from what becomes part of a commit.
void strip_overlay_xattrs(int dirfd, const std::string& name) {
    fs::Xattrs xattrs = fs::read_xattrs_at(dirfd, name);
    for (const auto& [key, value] : xattrs) {
        if (key.rfind(kOverlayXattrPrefix, 0) == 0) {
            std::string path = "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
            ::lremovexattr(path.c_str(), key.c_str());
        }
    }
}

// Directory metadata from the upper copy (chmod/chown/xattrs done through the overlay).
void copy_dir_metadata(int from_fd, int to_fd, const std::string& what) {
    struct stat st;
    if (::fstat(from_fd, &st) != 0)
        throw_errno("cannot stat", what);
    if (::fchown(to_fd, st.st_uid, st.st_gid) != 0 || ::fchmod(to_fd, st.st_mode & 07777) != 0)
        throw_errno("cannot set metadata of", what);
    fs::Xattrs wanted;
    for (auto& [key, value] : fs::read_xattrs_fd(from_fd)) {
        if (key.rfind(kOverlayXattrPrefix, 0) != 0)
            wanted[key] = value;
    }
    for (const auto& [key, value] : fs::read_xattrs_fd(to_fd)) {
        if (!wanted.count(key))
            ::fremovexattr(to_fd, key.c_str());
    }
    fs::write_xattrs_fd(to_fd, wanted);
}

void apply_dir(int upper_fd, int lower_fd, const std::string& where, OverlayApplyStats& stats) {
    for (const auto& name : fs::list_dir(upper_fd)) {
        const std::string path = where + "/" + name;
        struct stat up = fs::lstat_at(upper_fd, name);
        struct stat low;
        const bool in_lower = fs::lstat_at_if_exists(lower_fd, name, low);
        if (is_whiteout(up)) {
            if (in_lower) {
                fs::remove_tree_at(lower_fd, name);
                ++stats.removed;
            }
            continue;
        }
        if (S_ISDIR(up.st_mode)) {
            UniqueFd up_dir = fs::open_dir(upper_fd, name);
            if (in_lower && (!S_ISDIR(low.st_mode) || is_opaque(up_dir.get()))) {
                fs::remove_tree_at(lower_fd, name);
                ++stats.removed;
            }
            if (!fs::exists_at(lower_fd, name)) {
                if (::mkdirat(lower_fd, name.c_str(), 0700) != 0)
                    throw_errno("cannot create", path);
                ++stats.replaced;
            }
            UniqueFd low_dir = fs::open_dir(lower_fd, name);
            apply_dir(up_dir.get(), low_dir.get(), path, stats);
            copy_dir_metadata(up_dir.get(), low_dir.get(), path);
            continue;
        }
        // A file, symlink or special file: its new version replaces the lower entry. rename()
        // swaps the directory entry; a hardlinked lower file's inode (a stored object) is
        // untouched.
        if (in_lower && S_ISDIR(low.st_mode)) {
            fs::remove_tree_at(lower_fd, name);
            ++stats.removed;
        }
        strip_overlay_xattrs(upper_fd, name);
        if (::renameat(upper_fd, name.c_str(), lower_fd, name.c_str()) != 0)
            throw_errno("cannot move the new version of", path);
        // Like every file of a checkout (the tree is deployed as it is).
        const struct timespec epoch[2] = {{0, 0}, {0, 0}};
        if (::utimensat(lower_fd, name.c_str(), epoch, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("cannot reset the mtime of", path);
        ++stats.replaced;
    }
}

}  // namespace

OverlayApplyStats apply_overlay_upper(int upper_fd, int lower_fd) {
    OverlayApplyStats stats;
    apply_dir(upper_fd, lower_fd, "", stats);
    return stats;
}

}  // namespace deploy::layering
