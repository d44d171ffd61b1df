#include "etc_compare.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "etc_entry.hpp"

namespace deploy::etc::detail {

namespace {

// A file checked out from the store and never touched is often the very same inode in both trees
// (hardlinked); then nothing can differ and reading it would be wasted work.
bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

UniqueFd open_file(const EntryRef& e) {
    UniqueFd fd(::openat(e.dirfd, e.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open", e.name);
    return fd;
}

// Reads until buf is full or end of file, so two files are compared chunk by chunk even when a
// read returns short.
size_t read_full(int fd, char* buf, size_t len, const std::string& what) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = ::read(fd, buf + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", what);
        }
        if (n == 0)
            break;
        got += static_cast<size_t>(n);
    }
    return got;
}

bool file_content_equal(const EntryRef& a, const EntryRef& b) {
    if (a.st.st_size != b.st.st_size)
        return false;
    UniqueFd fa = open_file(a);
    UniqueFd fb = open_file(b);
    constexpr size_t kChunk = 64 * 1024;
    std::vector<char> ba(kChunk), bb(kChunk);
    for (;;) {
        size_t na = read_full(fa.get(), ba.data(), kChunk, a.name);
        size_t nb = read_full(fb.get(), bb.data(), kChunk, b.name);
        if (na != nb || std::memcmp(ba.data(), bb.data(), na) != 0)
            return false;
        if (na < kChunk)
            return true;
    }
}

std::string link_target(const EntryRef& e) {
    std::string target(static_cast<size_t>(e.st.st_size) + 1, '\0');
    for (;;) {
        ssize_t n = ::readlinkat(e.dirfd, e.name.c_str(), target.data(), target.size());
        if (n < 0)
            throw_errno("cannot read link", e.name);
        // st_size can be stale or 0 (some file systems); grow until the target fits.
        if (static_cast<size_t>(n) < target.size()) {
            target.resize(static_cast<size_t>(n));
            return target;
        }
        target.resize(target.size() * 2);
    }
}

}  // namespace

bool metadata_equal(const EntryRef& a, const EntryRef& b) {
    if (same_inode(a.st, b.st))
        return true;
    if (a.st.st_mode != b.st.st_mode || a.st.st_uid != b.st.st_uid || a.st.st_gid != b.st.st_gid) {
        return false;
    }
    return fs::read_xattrs_at(a.dirfd, a.name) == fs::read_xattrs_at(b.dirfd, b.name);
}

bool entries_equal(const EntryRef& a, const EntryRef& b) {
    if (same_inode(a.st, b.st))
        return true;
    // Cheap stat checks first; they settle most differences before any file is opened.
    if (a.st.st_mode != b.st.st_mode)
        return false;
    if (!S_ISDIR(a.st.st_mode) && a.st.st_size != b.st.st_size)
        return false;
    if (!metadata_equal(a, b))
        return false;
    if (S_ISREG(a.st.st_mode))
        return file_content_equal(a, b);
    if (S_ISLNK(a.st.st_mode))
        return link_target(a) == link_target(b);
    return true;
}

bool trees_equal(const EntryRef& a, const EntryRef& b, const std::string& path) {
    if (!entries_equal(a, b))
        return false;
    if (!S_ISDIR(a.st.st_mode) || same_inode(a.st, b.st))
        return true;
    UniqueFd da = fs::open_dir(a.dirfd, a.name);
    UniqueFd db = fs::open_dir(b.dirfd, b.name);
    // list_dir is sorted, so equal children means equal name lists first.
    std::vector<std::string> names = fs::list_dir(da.get());
    if (names != fs::list_dir(db.get()))
        return false;
    for (const auto& name : names) {
        std::string child = fs::join(path, name);
        struct stat sa = fs::lstat_at(da.get(), name);
        struct stat sb = fs::lstat_at(db.get(), name);
        check_supported(sa, child);
        check_supported(sb, child);
        if (!trees_equal({da.get(), name, sa}, {db.get(), name, sb}, child))
            return false;
    }
    return true;
}

}  // namespace deploy::etc::detail
