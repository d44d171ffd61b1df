// Validation of deploy=: the value comes from a command line anyone at the boot menu can edit,
// and the directory it names becomes the root filesystem, so it must be a deployment of this
// physical root and nothing else (no `..`, no symlink leading out of it).
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "prepare_root.hpp"

namespace prepare_root {

namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos)
            slash = path.size();
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

// Component by component with O_NOFOLLOW, for kernels before 5.6 (no openat2).
int open_beneath_by_walk(int dirfd, const std::string& relpath) {
    deploy::UniqueFd current(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
    if (!current)
        return -1;
    for (const auto& part : split_path(relpath)) {
        if (part.empty() || part == "." || part == "..") {
            errno = EXDEV;
            return -1;
        }
        int next =
            ::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            // O_PATH|O_NOFOLLOW opens a symlink itself; O_DIRECTORY then fails with ENOTDIR.
            struct stat st;
            if (errno == ENOTDIR &&
                ::fstatat(current.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode)) {
                errno = ELOOP;
            }
            return -1;
        }
        current.reset(next);
    }
    return current.release();
}

}  // namespace

deploy::UniqueFd open_dir_beneath(int dirfd, const std::string& relpath, const std::string& what) {
    struct open_how how = {};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, dirfd, relpath.c_str(), &how, sizeof how);
    if (fd < 0 && errno == ENOSYS)
        fd = open_beneath_by_walk(dirfd, relpath);
    if (fd >= 0)
        return deploy::UniqueFd(static_cast<int>(fd));
    switch (errno) {
        case ENOENT:
            throw deploy::NotFoundError(what + " does not exist");
        case ELOOP:
            throw deploy::InvalidError(what +
                                       " is or goes through a symlink (refused: it could lead "
                                       "out of the physical root)");
        case ENOTDIR:
            throw deploy::InvalidError(what + " is not a directory");
        case EXDEV:
            throw deploy::InvalidError(what + " leads out of the physical root");
        default:
            deploy::throw_errno("cannot open " + what, relpath);
    }
}

DeploymentDir validate_deployment(int root_fd, const std::string& value) {
    const std::string expected = "expected deploy=/deploy/<os>/<id>";
    if (value.empty())
        throw deploy::InvalidError("deploy= is empty (" + expected + ")");
    if (value.front() != '/')
        throw deploy::InvalidError("deploy=" + value + " is not absolute (" + expected + ")");
    std::vector<std::string> parts = split_path(value.substr(1));
    for (const auto& part : parts) {
        if (part == "..")
            throw deploy::InvalidError("deploy=" + value + " contains '..' (refused)");
        if (part.empty() || part == ".")
            throw deploy::InvalidError("deploy=" + value + " has an empty or '.' component (" +
                                       expected + ")");
        if (part.front() == '.')
            throw deploy::InvalidError("deploy=" + value + " names a hidden directory '" + part +
                                       "' (staging areas are never bootable)");
    }
    if (parts.size() != 3 || parts[0] != "deploy")
        throw deploy::InvalidError("deploy=" + value + " is not a deployment (" + expected + ")");
    if (parts[2] == "var" || parts[2].find(".origin") != std::string::npos)
        throw deploy::InvalidError("deploy=" + value + " is not a deployment directory");

    DeploymentDir dir;
    dir.os = parts[1];
    dir.id = parts[2];
    dir.relpath = "deploy/" + dir.os + "/" + dir.id;
    dir.var_relpath = "deploy/" + dir.os + "/var";
    deploy::UniqueFd deployment =
        open_dir_beneath(root_fd, dir.relpath, "deployment " + dir.relpath);
    // Everything that gets a mount must be a real directory of the deployment itself: a symlink
    // there (usr -> /elsewhere) would put a mount outside the new root.
    for (const char* sub : {"usr", "etc", "var", "boot", "sysroot"}) {
        open_dir_beneath(deployment.get(), sub,
                         "mount point /" + std::string(sub) + " of deployment " + dir.relpath);
    }
    open_dir_beneath(root_fd, dir.var_relpath, "the OS's shared /var " + dir.var_relpath);
    open_dir_beneath(root_fd, "boot", "the physical root's boot directory");
    return dir;
}

}  // namespace prepare_root
