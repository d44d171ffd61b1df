// Partition layout: planned in MiB-aligned byte ranges, written by sfdisk, read back as written.
#include <fcntl.h>

#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deploy/error.hpp"
#include "deploy/util/child_process.hpp"
#include "deploy/util/fs.hpp"
#include "image_steps.hpp"

namespace deploy::image {

namespace {

constexpr uint64_t kEspSize = 64 * kMiB;
// The smallest root worth building; the real check is against the sysroot's size.
constexpr uint64_t kMinRoot = 16 * kMiB;

// Type codes: MBR ids, GPT GUIDs (root is the discoverable-partitions x86-64 root type,
// boot is XBOOTLDR, so systemd-gpt-auto and the boot loader spec tools recognise them).
std::string part_type(const std::string& label, const std::string& role) {
    if (label == "dos")
        return "83";
    if (role == "bios_grub")
        return "21686148-6449-6E6F-744E-656564454649";
    if (role == "esp")
        return "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
    if (role == "boot")
        return "BC13C2FF-59E6-4262-A352-B275FD6F7172";
    return "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709";
}

std::string human(uint64_t bytes) {
    return fmt::format("{}M", bytes / kMiB);
}

}  // namespace

Bootloader parse_bootloader(const std::string& name) {
    if (name == "grub-bios")
        return Bootloader::GrubBios;
    if (name == "grub-efi")
        return Bootloader::GrubEfi;
    throw InvalidError(
        fmt::format("unknown boot loader '{}' (expected grub-bios or grub-efi)", name));
}

const char* bootloader_name(Bootloader b) {
    return b == Bootloader::GrubBios ? "grub-bios" : "grub-efi";
}

uint64_t parse_size(const std::string& text) {
    size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = text.substr(used);
    if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b'))
        unit.pop_back();
    if (!unit.empty() && (unit.back() == 'i'))
        unit.pop_back();
    double scale = 0;
    if (unit.empty())
        scale = 1;
    else if (unit.size() == 1) {
        switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
            case 'K':
                scale = 1024.0;
                break;
            case 'M':
                scale = 1024.0 * 1024;
                break;
            case 'G':
                scale = 1024.0 * 1024 * 1024;
                break;
            case 'T':
                scale = 1024.0 * 1024 * 1024 * 1024;
                break;
        }
    }
    if (used == 0 || scale == 0 || !(value > 0) || !std::isfinite(value * scale) ||
        value * scale > 1e18) {
        throw InvalidError(
            fmt::format("invalid size '{}' (expected a number with K, M, G or T, e.g. 2G)", text));
    }
    return static_cast<uint64_t>(value * scale);
}

std::string random_uuid() {
    std::string uuid = fs::read_file_at(AT_FDCWD, "/proc/sys/kernel/random/uuid");
    while (!uuid.empty() && std::isspace(static_cast<unsigned char>(uuid.back())))
        uuid.pop_back();
    return uuid;
}

const PartitionInfo* DiskLayout::find(const std::string& role) const {
    for (const auto& p : partitions)
        if (p.role == role)
            return &p;
    return nullptr;
}

DiskLayout plan_layout(const ImageOptions& options, uint64_t disk_size) {
    DiskLayout layout;
    bool efi = false, bios = false;
    for (Bootloader b : options.bootloaders)
        (b == Bootloader::GrubEfi ? efi : bios) = true;
    // BIOS-only images use MBR: GRUB's core.img then lives in the gap before the first
    // partition. With EFI (or both) GPT, where BIOS GRUB needs its own bios_grub partition.
    layout.label = efi ? "gpt" : "dos";
    uint64_t next = kMiB;
    auto add = [&](const std::string& role, uint64_t size) {
        layout.partitions.push_back({role, next, size, ""});
        next += size;
    };
    if (efi && bios)
        add("bios_grub", kMiB);
    if (efi)
        add("esp", kEspSize);
    if (options.boot_partition)
        add("boot", (options.boot_size + kMiB - 1) / kMiB * kMiB);
    // GPT keeps a backup table in the last 33 sectors; leave the last MiB alone either way.
    uint64_t end = disk_size / kMiB * kMiB - (layout.label == "gpt" ? kMiB : 0);
    if (end < next + kMinRoot) {
        throw InvalidError(
            fmt::format("image size {} is too small: the partitions before the "
                        "root need {} and the root at least {}",
                        human(disk_size), human(next), human(kMinRoot)));
    }
    add("root", end - next);
    return layout;
}

DiskLayout write_partition_table(const std::string& target, const DiskLayout& plan,
                                 Progress& progress) {
    std::string script = fmt::format("label: {}\nunit: sectors\n", plan.label);
    bool first_linux = true;
    for (const auto& p : plan.partitions) {
        script += fmt::format("start={}, size={}, type={}", p.start / kSector, p.size / kSector,
                              part_type(plan.label, p.role));
        if (plan.label == "gpt")
            script += fmt::format(", name={}", p.role);
        // SeaBIOS boots any MBR, but some firmware only boots a disk with an active partition.
        if (plan.label == "dos" && first_linux) {
            script += ", bootable";
            first_linux = false;
        }
        script += "\n";
    }
    util::run_checked(
        {"sfdisk", "--quiet", "--wipe", "always", "--no-reread", "--no-tell-kernel", target},
        "partition " + target, script, &progress);

    auto dump = nlohmann::json::parse(
        util::run_checked({"sfdisk", "--json", target}, "read partition table of " + target));
    const auto& parts = dump.at("partitiontable").at("partitions");
    if (parts.size() != plan.partitions.size()) {
        throw Error(ErrorKind::Failed,
                    fmt::format("partition {}: sfdisk wrote {} partitions, expected {}", target,
                                parts.size(), plan.partitions.size()));
    }
    DiskLayout written = plan;
    for (size_t i = 0; i < parts.size(); ++i) {
        written.partitions[i].start = parts[i].at("start").get<uint64_t>() * kSector;
        written.partitions[i].size = parts[i].at("size").get<uint64_t>() * kSector;
    }
    return written;
}

}  // namespace deploy::image
