// Where the boot loader finds the files the entries name. GRUB resolves `linux`/`initrd` paths on
// the filesystem it reads them from: with boot/ a directory of the root filesystem that is the
// root filesystem, so the paths need a leading /boot; with a separate /boot partition they are
// relative to it. Entries are rendered with the prefix and read back without it, so everything
// else (kernel placement, cleanup) works with boot-filesystem-relative paths only.
#pragma once

#include <string>

namespace deploy::boot {

enum class BootLayout {
    Auto,       // detect when writing: /boot on another filesystem than the sysroot = partition
    Directory,  // boot/ is a directory of the root filesystem: paths start with /boot/
    Partition,  // boot/ is (or will be, in an image) its own filesystem: paths relative to it
};

// "auto" | "directory" | "partition"; InvalidError naming `what` otherwise.
BootLayout parse_boot_layout(const std::string& value, const std::string& what);
const char* boot_layout_name(BootLayout layout);

// The prefix of kernel paths for `layout`; Auto compares st_dev of the two directories.
std::string boot_path_prefix(BootLayout layout, int sysroot_dirfd, int boot_dirfd);

// "/boot/<os>/<csum>/<file>" -> "/<os>/<csum>/<file>"; anything else unchanged. Kernel paths
// always have exactly three components below the boot filesystem, which tells the prefix from
// an OS that happens to be called "boot".
std::string strip_boot_path_prefix(const std::string& path);

// Makes the boot filesystem's metadata current on disk, for boot loaders that read it without
// replaying the journal (GRUB on ext4): FIFREEZE+FITHAW, which writes back and checkpoints the
// journal. Without CAP_SYS_ADMIN (or on filesystems without freeze support) falls back to
// syncfs(), with a warning, which leaves metadata in the journal only.
void flush_boot_filesystem(int boot_dirfd);

}  // namespace deploy::boot
