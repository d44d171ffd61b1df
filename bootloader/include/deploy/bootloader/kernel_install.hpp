// Finding a deployment's kernel and placing it on the boot filesystem.
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace deploy::boot {

struct KernelFiles {
    std::string kver;           // "6.1.0-13-amd64"
    std::string vmlinuz;        // relative to the tree: "usr/lib/modules/<kver>/vmlinuz"
    std::string initramfs;      // "usr/lib/modules/<kver>/initramfs.img" or ""
    std::string boot_checksum;  // SHA-256 over vmlinuz then initramfs content
    uint64_t total_size = 0;
};

// Finds the kernel under usr/lib/modules/*/vmlinuz of the tree. InvalidError when there is none
// ("deploying a tree without a kernel is refused") or several.
KernelFiles find_kernel(int tree_dirfd);

struct PlacedKernel {
    std::string linux_path;   // "/<os>/<bootcsum>/vmlinuz-<kver>" relative to the boot fs
    std::string initrd_path;  // "" when the tree has no initramfs
};

// Places the kernel under boot/<os>/<bootcsum>/ unless it is already there (shared by every
// deployment with the same kernel): hardlinked when on the same filesystem, else copied; staged
// in a temp dir and renamed into place. Checks free space first (NoSpaceError with the figures).
PlacedKernel install_kernel(int boot_dirfd, const std::string& os, int tree_dirfd,
                            const KernelFiles& kernel);

// Refuses (NoSpaceError "not enough space on /boot: need X, Y free") when boot_dirfd's
// filesystem has fewer than `needed` bytes free plus a safety margin. The free figure can be
// forced with DEPLOYD_TEST_BOOT_FREE_BYTES (test seam).
void check_boot_space(int boot_dirfd, uint64_t needed);

// Removes boot/<os>/<csum> directories that no entry references ("/<os>/<csum>/...").
void remove_unused_kernels(int boot_dirfd, const std::set<std::string>& referenced_paths);

}  // namespace deploy::boot
