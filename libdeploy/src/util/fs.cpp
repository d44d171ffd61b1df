#include "deploy/util/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/path.hpp"

namespace deploy::fs {

std::string join(std::string_view a, std::string_view b) {
    if (a.empty() || a == ".")
        return std::string(b);
    if (b.empty())
        return std::string(a);
    std::string out(a);
    if (out.back() != '/')
        out.push_back('/');
    out.append(b);
    return out;
}

UniqueFd open_dir(int dirfd, const std::string& path) {
    auto parts = path::split_relative(path);
    UniqueFd cur(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!path.empty() && path.front() == '/') {
        cur.reset(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    if (!cur)
        throw_errno("cannot open directory", path);
    for (const auto& part : parts) {
        UniqueFd next(
            ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next)
            throw_errno("cannot open directory", path);
        cur = std::move(next);
    }
    return cur;
}

UniqueFd open_dir(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open directory", path);
    return fd;
}

UniqueFd open_dir_if_exists(int dirfd, const std::string& path) {
    try {
        return open_dir(dirfd, path);
    } catch (const SystemError& e) {
        if (e.code() == ENOENT)
            return UniqueFd();
        throw;
    }
}

bool lstat_at_if_exists(int dirfd, const std::string& path, struct stat& st) {
    if (::fstatat(dirfd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
        return true;
    if (errno == ENOENT || errno == ENOTDIR)
        return false;
    throw_errno("cannot stat", path);
}

bool exists_at(int dirfd, const std::string& path) {
    struct stat st;
    return lstat_at_if_exists(dirfd, path, st);
}

struct stat lstat_at(int dirfd, const std::string& path) {
    struct stat st;
    if (::fstatat(dirfd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("cannot stat", path);
    }
    return st;
}

std::string read_file_at(int dirfd, const std::string& path) {
    UniqueFd fd(::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        throw_errno("cannot open", path);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", path);
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

static std::string temp_name_for(const std::string& path) {
    static std::atomic<unsigned> counter{0};
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    return fmt::format("{}.tmp-{}-{}-{}", dir, base, ::getpid(), counter++);
}

static void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot write", path);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void write_file_atomic(int dirfd, const std::string& path, std::string_view data, mode_t mode,
                       bool do_fsync) {
    std::string tmp = temp_name_for(path);
    UniqueFd fd(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
        throw_errno("cannot create", tmp);
    try {
        write_all(fd.get(), data, tmp);
        if (::fchmod(fd.get(), mode) != 0)
            throw_errno("cannot chmod", tmp);
        if (do_fsync && ::fsync(fd.get()) != 0)
            throw_errno("cannot fsync", tmp);
        fd.reset();
        if (::renameat(dirfd, tmp.c_str(), dirfd, path.c_str()) != 0) {
            throw_errno("cannot rename into place", path);
        }
    } catch (...) {
        ::unlinkat(dirfd, tmp.c_str(), 0);
        throw;
    }
    if (do_fsync) {
        auto slash = path.rfind('/');
        if (slash == std::string::npos) {
            fsync_dir(dirfd);
        } else {
            fsync_dir(open_dir(dirfd, path.substr(0, slash)).get());
        }
    }
}

void fsync_dir(int dirfd) {
    if (::fsync(dirfd) != 0 && errno != EINVAL)
        throw_errno("cannot fsync", "directory");
}

void syncfs_fd(int fd) {
    if (::syncfs(fd) != 0)
        throw_errno("cannot syncfs", "filesystem");
}

void mkdir_p_at(int dirfd, const std::string& path, mode_t mode) {
    auto parts = path::split_relative(path);
    std::string cur;
    for (const auto& part : parts) {
        cur = join(cur, part);
        if (::mkdirat(dirfd, cur.c_str(), mode) != 0) {
            if (errno != EEXIST)
                throw_errno("cannot create directory", cur);
            struct stat st = lstat_at(dirfd, cur);
            if (!S_ISDIR(st.st_mode)) {
                throw InvalidError(fmt::format("{} exists and is not a directory", cur));
            }
        }
    }
}

std::vector<std::string> list_dir(int dirfd) {
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0)
        throw_errno("cannot open directory", ".");
    DIR* dir = ::fdopendir(dup);
    if (dir == nullptr) {
        ::close(dup);
        throw_errno("cannot read directory", ".");
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* ent = ::readdir(dir)) {
        if (std::strcmp(ent->d_name, ".") == 0 || std::strcmp(ent->d_name, "..") == 0)
            continue;
        names.emplace_back(ent->d_name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

static void remove_children(int dirfd) {
    for (const auto& name : list_dir(dirfd)) {
        struct stat st;
        if (!lstat_at_if_exists(dirfd, name, st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            UniqueFd child(
                ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!child)
                throw_errno("cannot open directory", name);
            remove_children(child.get());
            if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
                throw_errno("cannot remove directory", name);
            }
        } else if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
            throw_errno("cannot remove", name);
        }
    }
}

void remove_tree_at(int dirfd, const std::string& path) {
    struct stat st;
    if (!lstat_at_if_exists(dirfd, path, st))
        return;
    if (S_ISDIR(st.st_mode)) {
        UniqueFd child(
            ::openat(dirfd, path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child)
            throw_errno("cannot open directory", path);
        remove_children(child.get());
        if (::unlinkat(dirfd, path.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
            throw_errno("cannot remove directory", path);
        }
    } else if (::unlinkat(dirfd, path.c_str(), 0) != 0 && errno != ENOENT) {
        throw_errno("cannot remove", path);
    }
}

// xattrs are read through /proc/self/fd paths for symlinks (which cannot be opened) using the
// l*xattr calls on "<dirfd path>/<name>" would follow intermediate links; instead open O_PATH.
static std::string proc_fd_path(int fd) {
    return fmt::format("/proc/self/fd/{}", fd);
}

static Xattrs read_xattrs_path(const std::string& p, bool nofollow, const std::string& what) {
    Xattrs out;
    auto do_list = nofollow ? ::llistxattr : ::listxattr;
    auto do_get = nofollow ? ::lgetxattr : ::getxattr;
    ssize_t size = do_list(p.c_str(), nullptr, 0);
    if (size < 0) {
        if (errno == ENOTSUP || errno == EPERM)
            return out;
        throw_errno("cannot list xattrs of", what);
    }
    if (size == 0)
        return out;
    std::string names(static_cast<size_t>(size), '\0');
    size = do_list(p.c_str(), names.data(), names.size());
    if (size < 0)
        throw_errno("cannot list xattrs of", what);
    names.resize(static_cast<size_t>(size));
    size_t pos = 0;
    while (pos < names.size()) {
        std::string name(names.c_str() + pos);
        pos += name.size() + 1;
        if (name.empty())
            continue;
        ssize_t vsize = do_get(p.c_str(), name.c_str(), nullptr, 0);
        if (vsize < 0) {
            if (errno == ENODATA)
                continue;
            throw_errno("cannot read xattr " + name + " of", what);
        }
        std::string value(static_cast<size_t>(vsize), '\0');
        vsize = do_get(p.c_str(), name.c_str(), value.data(), value.size());
        if (vsize < 0)
            throw_errno("cannot read xattr " + name + " of", what);
        value.resize(static_cast<size_t>(vsize));
        out.emplace(std::move(name), std::move(value));
    }
    return out;
}

Xattrs read_xattrs_fd(int fd) {
    // flistxattr on the open file: no path lookup through /proc (hot path of commit).
    Xattrs out;
    char names[4096];
    ssize_t size = ::flistxattr(fd, names, sizeof(names));
    if (size < 0) {
        if (errno == ENOTSUP || errno == EPERM)
            return out;
        if (errno != ERANGE)
            throw_errno("cannot list xattrs of", "file");
        return read_xattrs_path(proc_fd_path(fd), false, "file");
    }
    size_t pos = 0;
    while (pos < static_cast<size_t>(size)) {
        std::string name(names + pos);
        pos += name.size() + 1;
        if (name.empty())
            continue;
        ssize_t vsize = ::fgetxattr(fd, name.c_str(), nullptr, 0);
        if (vsize < 0) {
            if (errno == ENODATA)
                continue;
            throw_errno("cannot read xattr " + name + " of", "file");
        }
        std::string value(static_cast<size_t>(vsize), '\0');
        vsize = ::fgetxattr(fd, name.c_str(), value.data(), value.size());
        if (vsize < 0)
            throw_errno("cannot read xattr " + name + " of", "file");
        value.resize(static_cast<size_t>(vsize));
        out.emplace(std::move(name), std::move(value));
    }
    return out;
}

Xattrs read_xattrs_at(int dirfd, const std::string& path) {
    UniqueFd fd(::openat(dirfd, path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open", path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("cannot stat", path);
    if (S_ISLNK(st.st_mode)) {
        // O_PATH of a symlink: /proc/self/fd/N names the link itself; use the l* variants.
        return read_xattrs_path(proc_fd_path(fd.get()), true, path);
    }
    UniqueFd rfd(::openat(dirfd, path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!rfd)
        return read_xattrs_path(proc_fd_path(fd.get()), false, path);
    return read_xattrs_path(proc_fd_path(rfd.get()), false, path);
}

void write_xattrs_fd(int fd, const Xattrs& xattrs) {
    for (const auto& [name, value] : xattrs) {
        if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) != 0) {
            throw_errno("cannot set xattr", name);
        }
    }
}

void write_xattrs_at(int dirfd, const std::string& path, const Xattrs& xattrs) {
    if (xattrs.empty())
        return;
    UniqueFd fd(::openat(dirfd, path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open", path);
    std::string p = proc_fd_path(fd.get());
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("cannot stat", path);
    for (const auto& [name, value] : xattrs) {
        int rc = S_ISLNK(st.st_mode)
                     ? ::lsetxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0)
                     : ::setxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0);
        if (rc != 0)
            throw_errno("cannot set xattr " + name + " on", path);
    }
}

void copy_file_content(int src_fd, int dst_fd, const std::string& what) {
    for (;;) {
        ssize_t n = ::copy_file_range(src_fd, nullptr, dst_fd, nullptr, 1 << 30, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
                break;  // fall back to read/write
            }
            throw_errno("cannot copy", what);
        }
        if (n == 0)
            return;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(src_fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", what);
        }
        if (n == 0)
            return;
        write_all(dst_fd, std::string_view(buf, static_cast<size_t>(n)), what);
    }
}

static void copy_times_and_owner(int dst_dirfd, const std::string& dst, const struct stat& st) {
    if (::fchownat(dst_dirfd, dst.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != EPERM) {
        throw_errno("cannot chown", dst);
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dst_dirfd, dst.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("cannot set times of", dst);
    }
}

void copy_tree_at(int src_dirfd, const std::string& src, int dst_dirfd, const std::string& dst) {
    struct stat st = lstat_at(src_dirfd, src);
    if (S_ISDIR(st.st_mode)) {
        UniqueFd sfd = open_dir(src_dirfd, src);
        if (::mkdirat(dst_dirfd, dst.c_str(), 0700) != 0)
            throw_errno("cannot create directory", dst);
        UniqueFd dfd = open_dir(dst_dirfd, dst);
        for (const auto& name : list_dir(sfd.get())) {
            copy_tree_at(sfd.get(), name, dfd.get(), name);
        }
        write_xattrs_fd(dfd.get(), read_xattrs_fd(sfd.get()));
        if (::fchmod(dfd.get(), st.st_mode & 07777) != 0)
            throw_errno("cannot chmod", dst);
        copy_times_and_owner(dst_dirfd, dst, st);
        if (::fchmod(dfd.get(), st.st_mode & 07777) != 0)
            throw_errno("cannot chmod", dst);
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src_dirfd, src.c_str(), target.data(), target.size());
        if (n < 0)
            throw_errno("cannot read link", src);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dst_dirfd, dst.c_str()) != 0) {
            throw_errno("cannot create symlink", dst);
        }
        write_xattrs_at(dst_dirfd, dst, read_xattrs_at(src_dirfd, src));
        copy_times_and_owner(dst_dirfd, dst, st);
    } else if (S_ISREG(st.st_mode)) {
        UniqueFd sfd(::openat(src_dirfd, src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!sfd)
            throw_errno("cannot open", src);
        UniqueFd dfd(
            ::openat(dst_dirfd, dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!dfd)
            throw_errno("cannot create", dst);
        copy_file_content(sfd.get(), dfd.get(), src);
        // chown clears security.capability: set xattrs after it.
        if (::fchown(dfd.get(), st.st_uid, st.st_gid) != 0 && errno != EPERM) {
            throw_errno("cannot chown", dst);
        }
        write_xattrs_fd(dfd.get(), read_xattrs_fd(sfd.get()));
        if (::fchmod(dfd.get(), st.st_mode & 07777) != 0)
            throw_errno("cannot chmod", dst);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (::futimens(dfd.get(), times) != 0)
            throw_errno("cannot set times of", dst);
    } else {
        throw InvalidError(fmt::format("{}: unsupported file type (device, socket or fifo)", src));
    }
}

}  // namespace deploy::fs
