#include "etc_entry.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::etc::detail {

std::string shown(const std::string& path) {
    return fs::join("etc", path);
}

void check_supported(const struct stat& st, const std::string& path) {
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
        return;
    throw InvalidError(fmt::format(
        "/etc merge: {} is a device node, fifo or socket; only files, directories and symlinks "
        "are allowed in /etc",
        shown(path)));
}

void check_tree_supported(int dirfd, const std::string& prefix) {
    for (const auto& name : fs::list_dir(dirfd)) {
        std::string path = fs::join(prefix, name);
        struct stat st = fs::lstat_at(dirfd, name);
        check_supported(st, path);
        if (S_ISDIR(st.st_mode)) {
            check_tree_supported(fs::open_dir(dirfd, name).get(), path);
        }
    }
}

std::optional<Located> locate(int root_fd, const std::string& path) {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
    Located found;
    found.name = slash == std::string::npos ? path : path.substr(slash + 1);
    try {
        found.parent = fs::open_dir(root_fd, dir);
    } catch (const SystemError& e) {
        // ELOOP: O_NOFOLLOW met a symlink where a directory was expected.
        if (e.code() == ENOENT || e.code() == ENOTDIR || e.code() == ELOOP)
            return std::nullopt;
        throw;
    }
    if (!fs::lstat_at_if_exists(found.parent.get(), found.name, found.st))
        return std::nullopt;
    return found;
}

}  // namespace deploy::etc::detail
