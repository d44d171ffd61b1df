// A bootable disk image (or disk) from a commit: partition table, an ext4 root holding a sysroot
// with the commit deployed, optionally a separate ext4 /boot, GRUB for BIOS and/or EFI (with an
// ESP). Built with the distribution's tools (sfdisk, mkfs.ext4 -d, grub-mkimage, mtools), no loop
// devices or mounts, so it works in containers and CI without udev.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deploy/util/progress.hpp"

namespace deploy::image {

enum class Bootloader { GrubBios, GrubEfi };
Bootloader parse_bootloader(const std::string& name);  // "grub-bios" | "grub-efi"
const char* bootloader_name(Bootloader b);

struct ImageOptions {
    std::string repo;  // repository holding ref
    std::string ref;   // ref, commit or prefix in repo
    std::string os;    // OS name of the sysroot
    std::vector<Bootloader> bootloaders{Bootloader::GrubBios};
    // Extra kernel arguments; root=UUID=<root fs> and rw are added unless root= is given.
    std::vector<std::string> kargs;
    bool boot_partition = false;        // /boot on its own ext4 partition
    uint64_t boot_size = 512ull << 20;  // its size
    bool qcow2 = false;                 // convert the result with qemu-img
    // Exactly one of: a file to (re)write atomically, or a block device to install onto.
    std::string output;
    std::string device;
    uint64_t size = 0;  // bytes; required for output, the whole device when 0 with device
};

struct PartitionInfo {
    std::string role;     // "bios_grub", "esp", "boot", "root"
    uint64_t start = 0;   // bytes
    uint64_t size = 0;    // bytes
    std::string fs_uuid;  // ext4/vfat filesystem UUID, "" for bios_grub
};

struct ImageResult {
    std::string commit;
    std::string deployment;  // deploy/<os>/<commit>.<N>
    std::vector<std::string> kargs;
    std::vector<PartitionInfo> partitions;
    std::string label;  // "dos" or "gpt"
};

// "512M", "2G", "1.5G", "4096" (bytes); K/M/G/T are binary. Invalid naming the text otherwise.
uint64_t parse_size(const std::string& text);

// Checks every external tool for the options first (one error naming the Debian package), then
// builds. On failure the output file is left as it was (written to a temporary, renamed at the
// end); a device may have been partially written.
ImageResult create_image(const ImageOptions& options, Progress& progress);

}  // namespace deploy::image
