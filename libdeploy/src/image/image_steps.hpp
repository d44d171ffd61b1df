// The steps of create_image, one file each: tools.cpp, layout.cpp, sysroot_build.cpp, grub.cpp.
#pragma once

#include <string>
#include <vector>

#include "deploy/image/image.hpp"

namespace deploy::image {

constexpr uint64_t kSector = 512;
constexpr uint64_t kMiB = 1ull << 20;

// One error naming the missing program (or file) and the Debian package that has it.
void check_tools(const ImageOptions& options);

// The partition table as planned, then as sfdisk wrote it (starts/sizes read back).
struct DiskLayout {
    std::string label;  // "dos" | "gpt"
    std::vector<PartitionInfo> partitions;
    const PartitionInfo* find(const std::string& role) const;
};
DiskLayout plan_layout(const ImageOptions& options, uint64_t disk_size);
// Writes the table with sfdisk onto target (file or device) and returns it as sfdisk reports it.
DiskLayout write_partition_table(const std::string& target, const DiskLayout& plan,
                                 Progress& progress);

// A sysroot with the commit deployed, built in `dir` (created), ready to become the root fs.
struct BuiltSysroot {
    std::string commit;
    std::string deployment;
    std::vector<std::string> kargs;
};
BuiltSysroot build_sysroot(const std::string& dir, const ImageOptions& options,
                           const std::vector<std::string>& kargs, Progress& progress);

// GRUB's side of the root (or boot) filesystem: modules under grub/<platform>/ and the
// grub/grub.cfg -> ../loader/grub.cfg pointer, in `grub_parent` (sysroot/boot or the boot fs).
void install_grub_files(const std::string& grub_parent, const std::vector<Bootloader>& loaders);
// The early config baked into the GRUB image: find the fs holding grub/ by UUID, set prefix.
std::string grub_early_config(const std::string& fs_uuid, const std::string& prefix);
// boot.img into the MBR, core.img into the post-MBR gap or the bios_grub partition.
void install_grub_bios(const std::string& target, const DiskLayout& layout,
                       const std::string& early_cfg, const std::string& work_dir,
                       Progress& progress);
// An ESP (FAT) with EFI/BOOT/BOOTX64.EFI, written with mtools at the partition's offset.
void install_grub_efi(const std::string& target, const PartitionInfo& esp,
                      const std::string& early_cfg, const std::string& work_dir,
                      Progress& progress);

// mkfs.ext4 -d DIR at the partition's offset of target; uuid as given.
void make_ext4(const std::string& target, const PartitionInfo& part, const std::string& dir,
               const std::string& label, Progress& progress);

std::string random_uuid();

}  // namespace deploy::image
