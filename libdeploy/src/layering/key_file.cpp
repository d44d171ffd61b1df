#include "key_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "fetch.hpp"

namespace deploy::layering {

namespace {

// Keys are a few KiB; a keyring of many keys stays far below this. Anything bigger is not a key.
constexpr size_t kMaxKeySize = 1 << 20;

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

std::string read_all(int fd, const std::string& what) {
    std::string out;
    char buf[1 << 14];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", what);
        }
        if (n == 0)
            return out;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > kMaxKeySize)
            throw InvalidError(fmt::format("{} is larger than {} bytes", what, kMaxKeySize));
    }
}

// Opens path (absolute, as seen from inside root) with root as "/".
UniqueFd open_in_root(const std::string& root, const std::string& path, const std::string& what) {
    UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd)
        throw_errno("cannot open", root);
    struct open_how how;
    std::memset(&how, 0, sizeof(how));
    // O_NONBLOCK: a FIFO planted at the key's path must not hang the transaction.
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, root_fd.get(), path.c_str(), &how, sizeof(how))));
    if (!fd)
        throw_errno("cannot open", what);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("cannot stat", what);
    if (!S_ISREG(st.st_mode))
        throw InvalidError(fmt::format("{} is not a regular file", what));
    return fd;
}

std::string read_file_url(const std::string& url, const std::string& key_root) {
    // file:///path, or file://localhost/path; a relative path has no meaning inside a tree.
    std::string rest = url.substr(7);
    if (starts_with(rest, "localhost/"))
        rest = rest.substr(9);
    if (rest.empty() || rest.front() != '/')
        throw InvalidError(fmt::format("'{}' is not a file:///absolute/path URL", url));
    std::string what = key_root == "/" ? rest : fmt::format("{} (in {})", rest, key_root);
    UniqueFd fd = open_in_root(key_root, rest, what);
    return read_all(fd.get(), what);
}

// A private directory for one download, removed with what is in it.
class DownloadDir {
  public:
    DownloadDir() {
        const char* tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/deployd-gpgkey-XXXXXX";
        if (!::mkdtemp(templ.data()))
            throw_errno("cannot create a directory like", templ);
        path_ = templ;
    }
    ~DownloadDir() {
        try {
            fs::remove_tree_at(AT_FDCWD, path_);
        } catch (...) {
            // A leftover in the temp directory is harmless.
        }
    }
    DownloadDir(const DownloadDir&) = delete;
    DownloadDir& operator=(const DownloadDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string read_http_url(const std::string& url, const Progress& progress) {
    DownloadDir dir;
    std::string local = fetch_to_local(url, dir.path() + "/key", progress);
    UniqueFd fd(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open", local);
    return read_all(fd.get(), url);
}

}  // namespace

std::string read_key_url(const std::string& url, const std::string& key_root,
                         const Progress& progress) {
    if (starts_with(url, "file://"))
        return read_file_url(url, key_root);
    if (starts_with(url, "http://") || starts_with(url, "https://"))
        return read_http_url(url, progress);
    throw InvalidError(
        fmt::format("unsupported gpgkey URL '{}' (file:///path, http:// or https://)", url));
}

}  // namespace deploy::layering
