// Directory-fd based file system helpers. Everything here works relative to an open directory and
// never follows a symlink in the final component (nor, for *_at walkers, anywhere in the path),
// so a hostile tree cannot redirect a write outside of it.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deploy/util/fd.hpp"

namespace deploy::fs {

using Xattrs = std::map<std::string, std::string>;

// Opens a directory (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC) relative to dirfd; path may have several
// components, each opened without following symlinks. Throws SystemError naming the path.
UniqueFd open_dir(int dirfd, const std::string& path);
UniqueFd open_dir(const std::string& path);  // absolute or cwd-relative, final component no-follow
// Like open_dir but returns an empty fd when the path does not exist.
UniqueFd open_dir_if_exists(int dirfd, const std::string& path);

bool exists_at(int dirfd, const std::string& path);  // lstat-based
struct stat lstat_at(int dirfd, const std::string& path);
bool lstat_at_if_exists(int dirfd, const std::string& path, struct stat& st);

std::string read_file_at(int dirfd, const std::string& path);
// Writes to a temporary name in the same directory, optionally fsyncs, then renames over path.
void write_file_atomic(int dirfd, const std::string& path, std::string_view data,
                       mode_t mode = 0644, bool do_fsync = true);
void fsync_dir(int dirfd);
void syncfs_fd(int fd);

void mkdir_p_at(int dirfd, const std::string& path, mode_t mode = 0755);
// Removes a file, symlink or whole directory tree; missing is fine.
void remove_tree_at(int dirfd, const std::string& path);

// Sorted entry names of a directory (without "." and "..").
std::vector<std::string> list_dir(int dirfd);

Xattrs read_xattrs_fd(int fd);
Xattrs read_xattrs_at(int dirfd, const std::string& path);  // no-follow; works on symlinks
void write_xattrs_fd(int fd, const Xattrs& xattrs);
void write_xattrs_at(int dirfd, const std::string& path, const Xattrs& xattrs);

// Copies one entry (regular file, symlink or directory tree) with mode, ownership, xattrs and
// mtimes. Regular file content is copied with copy_file_range (reflinks where the fs can).
void copy_tree_at(int src_dirfd, const std::string& src, int dst_dirfd, const std::string& dst);
void copy_file_content(int src_fd, int dst_fd, const std::string& what);

// Joins two relative paths with one '/'.
std::string join(std::string_view a, std::string_view b);

}  // namespace deploy::fs
