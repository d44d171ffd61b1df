#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>

#include "prepare_root.hpp"

namespace prepare_root {

MountStack::~MountStack() {
    // Newest first: later mounts sit on top of earlier ones. MNT_DETACH so that a busy mount
    // still disappears from the tree the initramfs continues with.
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
        ::umount2(it->c_str(), MNT_DETACH);
    }
}

void MountStack::bind(const std::string& source, const std::string& target) {
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_SILENT, nullptr) != 0)
        deploy::throw_errno("cannot bind-mount " + source + " on", target);
    mounts_.push_back(target);
}

void MountStack::bind_read_only(const std::string& path) {
    bind(path, path);
    // A bind mount takes its own read-only flag only through a second, remounting call.
    if (::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_SILENT,
                nullptr) != 0) {
        deploy::throw_errno("cannot make read-only", path);
    }
}

void MountStack::pushed(const std::string& target) {
    mounts_.push_back(target);
}

void make_mounts_private() {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE | MS_SILENT, nullptr) != 0)
        deploy::throw_errno("cannot make the mounts private", "/");
}

bool is_mount_point(const std::string& path) {
    struct statx stx = {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0)
        deploy::throw_errno("cannot stat", path);
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
        // Kernels before 5.8: a mount root has another device than its parent (or is "/").
        struct stat self, parent;
        if (::stat(path.c_str(), &self) != 0 || ::stat((path + "/..").c_str(), &parent) != 0)
            deploy::throw_errno("cannot stat", path);
        return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
    }
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

bool ensure_writable(const std::string& path) {
    struct statvfs vfs;
    if (::statvfs(path.c_str(), &vfs) != 0)
        deploy::throw_errno("cannot statvfs", path);
    if (!(vfs.f_flag & ST_RDONLY))
        return false;
    unsigned long flags = MS_REMOUNT | MS_SILENT;
    const std::pair<unsigned long, unsigned long> keep[] = {
        {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
    };
    for (const auto& [st, ms] : keep) {
        if (vfs.f_flag & st)
            flags |= ms;
    }
    if (::mount(nullptr, path.c_str(), nullptr, flags, nullptr) != 0)
        deploy::throw_errno("cannot remount read-write", path);
    return true;
}

}  // namespace prepare_root
