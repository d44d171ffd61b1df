// Confinement of the rpm helper (deployd-rpm) inside the bubblewrap sandbox. The helper is split
// in two processes once the tree is its root:
//  - the *mounter* keeps CAP_SYS_ADMIN and does nothing but attach /proc, /dev and /tmp for each
//    scriptlet (ScriptletMounts) when the installer asks;
//  - the *installer* runs librpm and therefore every scriptlet. It has only the capabilities a
//    package installation needs (file ownership and modes), no_new_privs, and a seccomp filter
//    against mounting, namespaces, ptrace, module loading and the other ways out of a tree.
// The tree is the root of the sandbox's mount namespace (pivot_root, old root detached), so there
// is no outer directory to chroot-escape to: the host, the store, the overlay's lower tree and the
// work directory are not reachable from inside at all.
#pragma once

#include <string>

namespace deploy::rpm_helper {

// Makes the directory `root` (absolute; a mount point already, or bind-mounted onto itself here)
// the root of this mount namespace with nosuid,nodev, detaches the old root, and enters "/".
void enter_root(const std::string& root);

// Drops this process, for good, to the installer's privileges described above. Throws
// deploy::Error when any step fails: a half-confined installer must not run scriptlets.
void confine_installer();

}  // namespace deploy::rpm_helper
