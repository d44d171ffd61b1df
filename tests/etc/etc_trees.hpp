// Test fixture for the /etc merge: the three input trees (old defaults, the admin's old etc, new
// defaults) side by side in a temporary directory, and the merged result as "merged".
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "deploy/etc/etc_merge.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "temp_dir.hpp"

namespace deploy::test {

class EtcTrees {
  public:
    EtcTrees() {
        for (const char* dir : {"old-defaults", "old-etc", "new-defaults"}) {
            fs::mkdir_p_at(tmp.fd(), dir);
        }
        old_defaults = fs::open_dir(tmp.fd(), "old-defaults");
        old_etc = fs::open_dir(tmp.fd(), "old-etc");
        new_defaults = fs::open_dir(tmp.fd(), "new-defaults");
    }

    static void put(int dirfd, const std::string& path, const std::string& content,
                    mode_t mode = 0644) {
        auto slash = path.rfind('/');
        if (slash != std::string::npos)
            fs::mkdir_p_at(dirfd, path.substr(0, slash));
        fs::write_file_atomic(dirfd, path, content, mode, false);
    }
    static void link(int dirfd, const std::string& path, const std::string& target) {
        fs::remove_tree_at(dirfd, path);
        if (::symlinkat(target.c_str(), dirfd, path.c_str()) != 0)
            throw_errno("symlink", path);
    }

    // A default shipped unchanged in both images, and untouched by the admin.
    void default_file(const std::string& path, const std::string& content, mode_t mode = 0644) {
        for (int fd : {old_defaults.get(), old_etc.get(), new_defaults.get()}) {
            put(fd, path, content, mode);
        }
    }
    void default_link(const std::string& path, const std::string& target) {
        for (int fd : {old_defaults.get(), old_etc.get(), new_defaults.get()}) {
            link(fd, path, target);
        }
    }

    etc::MergeResult merge() {
        return etc::merge_etc(old_defaults.get(), old_etc.get(), new_defaults.get(), tmp.fd(),
                              "merged");
    }
    std::vector<etc::EtcChange> diff() { return etc::diff_etc(old_defaults.get(), old_etc.get()); }

    std::string merged(const std::string& path) const {
        return fs::read_file_at(tmp.fd(), "merged/" + path);
    }
    struct stat merged_stat(const std::string& path) const {
        return fs::lstat_at(tmp.fd(), "merged/" + path);
    }
    bool merged_exists(const std::string& path = "") const {
        return fs::exists_at(tmp.fd(), path.empty() ? "merged" : "merged/" + path);
    }
    std::string merged_link(const std::string& path) const {
        char buf[4096];
        ssize_t n = ::readlinkat(tmp.fd(), ("merged/" + path).c_str(), buf, sizeof(buf));
        if (n < 0)
            throw_errno("readlink", path);
        return std::string(buf, static_cast<size_t>(n));
    }

    // Whether the test file system takes user.* xattrs (tmpfs before 6.6 does not).
    bool user_xattrs_supported() const {
        const char value = '1';
        std::string p = tmp / "xattr-probe";
        put(tmp.fd(), "xattr-probe", "");
        bool ok = ::setxattr(p.c_str(), "user.probe", &value, 1, 0) == 0 || errno != ENOTSUP;
        ::unlink(p.c_str());
        return ok;
    }

    TempDir tmp;
    UniqueFd old_defaults;
    UniqueFd old_etc;
    UniqueFd new_defaults;
};

inline void set_user_xattr(int dirfd, const std::string& path, const std::string& name,
                           const std::string& value) {
    fs::write_xattrs_at(dirfd, path, {{name, value}});
}

}  // namespace deploy::test
