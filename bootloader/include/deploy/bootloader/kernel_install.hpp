// Finding a deployment's kernel and placing it on the boot filesystem.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace deploy::boot {

// One file of a kernel directory on /boot.
struct BootFile {
    std::string name;    // in boot/<os>/<bootcsum>/: "vmlinuz-<kver>", "initramfs-<kver>.img"
    std::string source;  // relative to the tree: "usr/lib/modules/<kver>/vmlinuz"
    uint64_t size = 0;
    std::string sha256;
};

struct KernelFiles {
    std::string kver;             // "6.1.0-13-amd64"
    std::string vmlinuz;          // relative to the tree: "usr/lib/modules/<kver>/vmlinuz"
    std::string initramfs;        // "usr/lib/modules/<kver>/initramfs.img" or ""
    std::vector<BootFile> files;  // vmlinuz, then the initramfs if any
    // SHA-256 of a manifest naming the kernel version and each file's name, size and SHA-256:
    // equal only when the directory's contents are equal, name for name.
    std::string boot_checksum;
    uint64_t total_size = 0;
};

// Finds the kernel under usr/lib/modules/*/vmlinuz of the tree. InvalidError when there is none
// ("deploying a tree without a kernel is refused"), several, or its version has characters
// other than [A-Za-z0-9._+~-] (it becomes part of the boot entry's `linux` path).
KernelFiles find_kernel(int tree_dirfd);

// Refuses a kernel version that is unsafe in a path on a bootloader's command line.
void check_kernel_version(const std::string& kver);

struct PlacedKernel {
    std::string linux_path;   // "/<os>/<bootcsum>/vmlinuz-<kver>" relative to the boot fs
    std::string initrd_path;  // "" when the tree has no initramfs
};

// Places the kernel under boot/<os>/<bootcsum>/ unless it is already there (shared by every
// deployment with the same kernel): hardlinked when on the same filesystem, else copied; staged
// in a temp dir and renamed into place. Checks free space first (NoSpaceError with the figures).
// An existing directory is reused only when it holds exactly the expected files (names, sizes,
// SHA-256); otherwise it is replaced by a fresh copy.
PlacedKernel install_kernel(int boot_dirfd, const std::string& os, int tree_dirfd,
                            const KernelFiles& kernel);

// Refuses (NoSpaceError "not enough space on /boot: need X, Y free") when boot_dirfd's
// filesystem has fewer than `needed` bytes free plus a safety margin. The free figure can be
// forced with DEPLOYD_TEST_BOOT_FREE_BYTES (test seam).
void check_boot_space(int boot_dirfd, uint64_t needed);

// Removes boot/<os>/<csum> directories that no entry references ("/<os>/<csum>/...").
void remove_unused_kernels(int boot_dirfd, const std::set<std::string>& referenced_paths);

}  // namespace deploy::boot
