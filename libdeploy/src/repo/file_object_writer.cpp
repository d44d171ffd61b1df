#include "file_object_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::repo {

std::string ObjectInodeIndex::lookup(const struct stat& st) {
    // A checkout hardlink has more than one link, lives on the repo's filesystem and still has
    // the object mtime (0): a write through the link would have changed the mtime.
    if (st.st_dev != repo_.device() || st.st_nlink < 2 || st.st_mtim.tv_sec != 0 ||
        st.st_mtim.tv_nsec != 0) {
        return {};
    }
    if (!built_)
        build();
    auto it = by_inode_.find(st.st_ino);
    return it == by_inode_.end() ? std::string() : it->second;
}

void ObjectInodeIndex::build() {
    built_ = true;
    for (const auto& prefix : fs::list_dir(repo_.objects_fd())) {
        if (prefix.size() != 2)
            continue;
        int fd = ::openat(repo_.objects_fd(), prefix.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        DIR* dir = ::fdopendir(fd);
        if (dir == nullptr) {
            ::close(fd);
            continue;
        }
        // readdir's d_ino is enough: no stat per object.
        while (struct dirent* ent = ::readdir(dir)) {
            size_t len = std::strlen(ent->d_name);
            if (len == 62 + 5 && std::strcmp(ent->d_name + 62, ".file") == 0) {
                by_inode_.emplace(ent->d_ino, prefix + std::string(ent->d_name, 62));
            }
        }
        ::closedir(dir);
    }
}

static std::string staging_name() {
    static std::atomic<uint64_t> counter{0};
    return fmt::format("file-{}-{}", ::getpid(), counter++);
}

void write_file_object(Repo& repo, const FileHeader& header, int content_fd,
                       const std::string& checksum, const std::string& what) {
    std::string tmp = staging_name();
    int tmp_fd = repo.tmp_fd();
    try {
        if (header.is_symlink()) {
            if (::symlinkat(header.symlink_target.c_str(), tmp_fd, tmp.c_str()) != 0) {
                throw_errno("cannot stage symlink for", what);
            }
            if (::fchownat(tmp_fd, tmp.c_str(), header.uid, header.gid, AT_SYMLINK_NOFOLLOW) != 0) {
                throw_errno("cannot chown staged object for", what);
            }
            fs::write_xattrs_at(tmp_fd, tmp, header.xattrs);
            struct timespec times[2] = {{0, 0}, {0, 0}};
            if (::utimensat(tmp_fd, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
                throw_errno("cannot set times on staged object for", what);
            }
        } else {
            // An anonymous O_TMPFILE inode: no name in tmp/ to create, unlink or leak.
            UniqueFd out(::openat(tmp_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
            bool anonymous = static_cast<bool>(out);
            if (!anonymous) {
                out.reset(
                    ::openat(tmp_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            }
            if (!out)
                throw_errno("cannot stage object for", what);
            if (::lseek(content_fd, 0, SEEK_SET) != 0)
                throw_errno("cannot seek", what);
            fs::copy_file_content(content_fd, out.get(), what);
            struct stat st;
            if (::fstat(out.get(), &st) != 0)
                throw_errno("cannot stat staged object for", what);
            if (static_cast<uint64_t>(st.st_size) != header.size) {
                throw CorruptError(fmt::format("{}: file changed while it was committed", what));
            }
            if (::fchown(out.get(), header.uid, header.gid) != 0) {
                throw_errno("cannot chown staged object for", what);
            }
            fs::write_xattrs_fd(out.get(), header.xattrs);
            if (::fchmod(out.get(), header.mode & 07777) != 0) {
                throw_errno("cannot chmod staged object for", what);
            }
            struct timespec times[2] = {{0, 0}, {0, 0}};
            if (::futimens(out.get(), times) != 0) {
                throw_errno("cannot set times on staged object for", what);
            }
            if (anonymous) {
                repo.publish_anonymous_file(out.get(), checksum);
                return;
            }
        }
    } catch (...) {
        ::unlinkat(tmp_fd, tmp.c_str(), 0);
        throw;
    }
    repo.publish_staged_file(tmp, checksum);
}

StoredFile store_file_object(Repo& repo, int dirfd, const std::string& path,
                             const struct stat& st) {
    StoredFile result;
    FileHeader header;
    header.mode = st.st_mode;
    header.uid = st.st_uid;
    header.gid = st.st_gid;
    UniqueFd fd;
    if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(dirfd, path.c_str(), target.data(), target.size());
        if (n < 0)
            throw_errno("cannot read link", path);
        target.resize(static_cast<size_t>(n));
        header.symlink_target = std::move(target);
        header.xattrs = fs::read_xattrs_at(dirfd, path);
    } else {
        fd.reset(::openat(dirfd, path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            throw_errno("cannot open", path);
        header.size = static_cast<uint64_t>(st.st_size);
        header.xattrs = fs::read_xattrs_fd(fd.get());
        result.bytes_hashed = header.size;
    }
    result.checksum = file_checksum(header, fd.get(), path);
    if (!repo.has_object(result.checksum, ObjectType::File)) {
        write_file_object(repo, header, fd.get(), result.checksum, path);
        result.new_object = true;
    }
    return result;
}

}  // namespace deploy::repo
