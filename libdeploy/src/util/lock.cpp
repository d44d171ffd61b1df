#include "deploy/util/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"

namespace deploy {

WriterLock::WriterLock(int dirfd, const std::string& name, const std::string& holder_description) {
    fd_.reset(::openat(dirfd, name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd_) {
        throw_errno("cannot open lock file", name);
    }
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            throw_errno("cannot lock", name);
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
        throw_errno("cannot write lock file", name);
    }
}

WriterLock::~WriterLock() {
    if (fd_) {
        (void)::ftruncate(fd_.get(), 0);
        ::flock(fd_.get(), LOCK_UN);
    }
}

}  // namespace deploy
