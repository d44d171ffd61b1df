#include "deploy/bootloader/boot_layout.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"

namespace deploy::boot {

namespace {

constexpr const char* kPrefix = "/boot";

struct stat fstat_fd(int fd, const char* what) {
    struct stat st;
    if (::fstat(fd, &st) != 0)
        throw_errno("cannot stat", what);
    return st;
}

bool is_mount_root(int fd) {
    struct statx stx = {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) != 0)
        return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
           (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// A frozen filesystem blocks every writer until thawed, and a freeze outlives the process that
// made it. So a child holds the other end of a pipe: if we die between FIFREEZE and FITHAW
// (kill -9, OOM), it reads EOF and thaws. Only async-signal-safe calls in the child (the daemon
// is multi-threaded).
int freeze_thaw(int fd) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return errno;
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    pid_t guard = ::fork();
    if (guard < 0)
        return errno;
    if (guard == 0) {
        write_end.reset();
        char done = 0;
        ssize_t n;
        do {
            n = ::read(read_end.get(), &done, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            ::ioctl(fd, FITHAW, 0);
        ::_exit(0);
    }
    read_end.reset();
    int result = 0;
    if (::ioctl(fd, FIFREEZE, 0) != 0) {
        result = errno;
    } else if (::ioctl(fd, FITHAW, 0) != 0) {
        result = errno;
    }
    char done = 1;
    [[maybe_unused]] ssize_t ignored = ::write(write_end.get(), &done, 1);
    write_end.reset();
    int status;
    while (::waitpid(guard, &status, 0) < 0 && errno == EINTR) {
    }
    return result;
}

}  // namespace

BootLayout parse_boot_layout(const std::string& value, const std::string& what) {
    if (value == "auto")
        return BootLayout::Auto;
    if (value == "directory")
        return BootLayout::Directory;
    if (value == "partition")
        return BootLayout::Partition;
    throw InvalidError(
        fmt::format("{}: boot layout must be auto, directory or partition, got '{}'", what, value));
}

const char* boot_layout_name(BootLayout layout) {
    switch (layout) {
        case BootLayout::Auto:
            return "auto";
        case BootLayout::Directory:
            return "directory";
        case BootLayout::Partition:
            return "partition";
    }
    return "auto";
}

std::string boot_path_prefix(BootLayout layout, int sysroot_dirfd, int boot_dirfd) {
    switch (layout) {
        case BootLayout::Directory:
            return kPrefix;
        case BootLayout::Partition:
            return "";
        case BootLayout::Auto:
            break;
    }
    bool separate = fstat_fd(sysroot_dirfd, "the sysroot").st_dev !=
                    fstat_fd(boot_dirfd, "the sysroot's boot/").st_dev;
    return separate ? "" : kPrefix;
}

std::string strip_boot_path_prefix(const std::string& path) {
    auto parts = path::split_relative(path);
    if (parts.size() == 4 && parts[0] == "boot" && path.front() == '/')
        return path.substr(std::string(kPrefix).size());
    return path;
}

void flush_boot_filesystem(int boot_dirfd) {
    // A sysroot that is only a directory inside some filesystem (a test, an image being built
    // for mkfs.ext4 -d) is not what a boot loader reads: syncfs is all Linux needs, and freezing
    // the host's filesystem under every other writer would be a high price for nothing.
    bool bootable = is_mount_root(boot_dirfd);
    if (!bootable) {
        UniqueFd parent(::openat(boot_dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        bootable = parent && is_mount_root(parent.get());
    }
    if (bootable) {
        int err = freeze_thaw(boot_dirfd);
        if (err == 0) {
            spdlog::debug("boot filesystem frozen and thawed: metadata current on disk");
            return;
        }
        if (err == EPERM) {
            spdlog::warn(
                "cannot freeze the boot filesystem (no CAP_SYS_ADMIN): synced instead; "
                "a boot loader that ignores the journal may see the previous "
                "configuration after a power cut");
        } else {
            spdlog::debug("boot filesystem cannot be frozen ({}): synced instead",
                          std::strerror(err));
        }
    }
    fs::syncfs_fd(boot_dirfd);
}

}  // namespace deploy::boot
