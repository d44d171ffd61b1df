// Internal to the /etc merge: how entries of the three trees are named, validated and found.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>

#include "deploy/util/fd.hpp"

namespace deploy::etc::detail {

// How a path relative to etc is shown to the user: "etc/ssh/sshd_config".
std::string shown(const std::string& path);

// /etc holds configuration, not devices: a device node, fifo or socket there is either an
// admin's mistake or an attack on whoever copies it, so it is refused (InvalidError naming it).
void check_supported(const struct stat& st, const std::string& path);
// check_supported for every entry below the directory dirfd, shown under prefix.
void check_tree_supported(int dirfd, const std::string& prefix);

// An entry found by path: its parent directory stays open so that every later operation works on
// a single name and cannot be redirected through a symlink swapped into the path.
struct Located {
    UniqueFd parent;
    std::string name;
    struct stat st;
    bool is_dir() const { return S_ISDIR(st.st_mode); }
};

// Finds root_fd/path without following symlinks in any component. Empty when the path does not
// exist as such (a missing component, or one that is not a directory).
std::optional<Located> locate(int root_fd, const std::string& path);

}  // namespace deploy::etc::detail
