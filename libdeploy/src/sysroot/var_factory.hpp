// The tree's /var defaults reach the booted system through systemd-tmpfiles, not a copy.
#pragma once

#include <cstddef>
#include <string>

namespace deploy {
class Progress;
}

namespace deploy::sysroot {

// Where the tree's var/ goes inside a deployment, and the tmpfiles.d file that recreates it.
inline constexpr const char* kFactoryVar = "usr/share/factory/var";
inline constexpr const char* kVarTmpfiles = "usr/lib/tmpfiles.d/deployd-var.conf";

struct VarFactoryResult {
    std::size_t lines = 0;    // tmpfiles.d lines written
    std::size_t skipped = 0;  // entries tmpfiles cannot express (devices, sockets)
};

// Moves the checked-out deployment's var/ (hardlinks of store objects) to usr/share/factory/var,
// leaves an empty var/ as the mount point for the OS's shared /var, and writes d/L/C lines that
// create each directory (mode, owner), symlink (target) and file (copied from the factory) at
// boot when it is missing. Nothing is copied at deploy. A deployment without var/ content gets
// no file. Throws InvalidError when the tree already ships usr/share/factory/var.
// `what` names the tree in errors (e.g. "commit <id>").
VarFactoryResult move_var_to_factory(int tree_fd, const std::string& what, Progress& progress);

}  // namespace deploy::sysroot
