#include "deploy/util/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"

namespace deploy {

namespace {

// Everything is checked on the opened descriptor, before the first write, so a name swapped
// after the check cannot redirect the truncation.
void check_lock_file(int fd, const std::string& path) {
    struct stat st;
    if (::fstat(fd, &st) != 0)
        throw_errno("cannot stat lock file", path);
    std::string problem;
    if (!S_ISREG(st.st_mode)) {
        problem = "is not a regular file";
    } else if (st.st_nlink != 1) {
        problem = fmt::format("has {} hard links", st.st_nlink);
    } else if (st.st_uid != ::geteuid()) {
        problem = fmt::format("is owned by uid {}, not {}", st.st_uid, ::geteuid());
    }
    if (!problem.empty()) {
        throw InvalidError(fmt::format(
            "lock file {} {}: refusing to use it (remove it if no operation is running)", path,
            problem));
    }
}

}  // namespace

WriterLock::WriterLock(int dirfd, const std::string& name, const std::string& display_path,
                       const std::string& holder_description) {
    // O_NONBLOCK: a fifo or device planted at the name must not hang the open; O_NOFOLLOW: nor
    // may a symlink lead elsewhere (ELOOP, reported below naming the path).
    fd_.reset(::openat(dirfd, name.c_str(),
                       O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600));
    if (!fd_) {
        if (errno == ELOOP) {
            throw InvalidError(fmt::format(
                "lock file {} is a symbolic link: refusing to use it (remove it)", display_path));
        }
        throw_errno("cannot open lock file", display_path);
    }
    check_lock_file(fd_.get(), display_path);
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            throw_errno("cannot lock", display_path);
        }
        std::string holder;
        char buf[256];
        ssize_t n = ::pread(fd_.get(), buf, sizeof(buf) - 1, 0);
        if (n > 0) {
            holder.assign(buf, static_cast<size_t>(n));
            while (!holder.empty() && holder.back() == '\n') {
                holder.pop_back();
            }
        }
        throw BusyError(fmt::format("sysroot is busy: another operation is running ({})",
                                    holder.empty() ? "holder unknown" : holder));
    }
    std::string me = fmt::format("pid {}: {}\n", ::getpid(), holder_description);
    if (::ftruncate(fd_.get(), 0) != 0 ||
        ::pwrite(fd_.get(), me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
        throw_errno("cannot write lock file", display_path);
    }
}

WriterLock::~WriterLock() {
    if (fd_) {
        (void)::ftruncate(fd_.get(), 0);
        ::flock(fd_.get(), LOCK_UN);
    }
}

}  // namespace deploy
