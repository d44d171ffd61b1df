// GRUB without grub-install (which refuses loop devices and files without udev): grub-mkimage
// builds the core image, we place it ourselves, and the modules go next to grub.cfg.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/child_process.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "image_steps.hpp"

namespace deploy::image {

namespace {

namespace stdfs = std::filesystem;

constexpr const char* kGrubLib = "/usr/lib/grub";
// Where GRUB finds grub.cfg and its modules, relative to the filesystem it searched for.
constexpr const char* kBiosModules[] = {"biosdisk",       "part_msdos", "part_gpt", "ext2",
                                        "search_fs_uuid", "serial",     "terminal"};
constexpr const char* kEfiModules[] = {"part_gpt",       "part_msdos", "ext2",    "fat",
                                       "search_fs_uuid", "serial",     "terminal"};
// boot.img: the LBA of core.img's first sector (GRUB_BOOT_MACHINE_KERNEL_SECTOR).
constexpr size_t kBootImgKernelSector = 0x5c;
// core.img's first sector (diskboot) ends in a blocklist whose first entry's start LBA says
// where the rest of core.img is; grub-mkimage leaves it at 2 (core.img from sector 1).
constexpr size_t kDiskbootBlocklistStart = 0x200 - 12;
// The MBR's boot code area; the partition table starts at 446 and must be kept.
constexpr size_t kMbrCodeSize = 440;

const char* platform_dir(Bootloader b) {
    return b == Bootloader::GrubBios ? "i386-pc" : "x86_64-efi";
}

void put_le64(std::string& buf, size_t at, uint64_t value) {
    for (int i = 0; i < 8; ++i)
        buf[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void write_at(const std::string& target, uint64_t offset, const std::string& data) {
    UniqueFd fd(::open(target.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("open for writing the boot code", target);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t w = ::pwrite(fd.get(), data.data() + done, data.size() - done,
                             static_cast<off_t>(offset + done));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("write the boot code to", target);
        }
        done += static_cast<size_t>(w);
    }
    if (::fsync(fd.get()) != 0)
        throw_errno("fsync", target);
}

std::string make_core(Bootloader b, const std::string& early_cfg, const std::string& work_dir,
                      const std::string& output, Progress& progress) {
    const std::string cfg = work_dir + "/early-" + platform_dir(b) + ".cfg";
    fs::write_file_atomic(AT_FDCWD, cfg, early_cfg, 0644, false);
    std::vector<std::string> argv = {"grub-mkimage", "-O", platform_dir(b), "-d",
                                     fmt::format("{}/{}", kGrubLib, platform_dir(b)), "-o", output,
                                     "-c", cfg,
                                     // Overridden by the early config; required by grub-mkimage.
                                     "-p", "/boot/grub"};
    if (b == Bootloader::GrubBios)
        argv.insert(argv.end(), std::begin(kBiosModules), std::end(kBiosModules));
    else
        argv.insert(argv.end(), std::begin(kEfiModules), std::end(kEfiModules));
    util::run_checked(argv, fmt::format("build the GRUB {} image", platform_dir(b)), {}, &progress);
    return fs::read_file_at(AT_FDCWD, output);
}

}  // namespace

std::string grub_early_config(const std::string& fs_uuid, const std::string& prefix) {
    // No comments here: GRUB's embedded config parser rejects them. The menu goes to the first
    // serial port as well as the screen (headless VMs, cloud consoles); grub.cfg may change it.
    return fmt::format(
        "search.fs_uuid {} root\nset prefix=($root){}\nserial --unit=0 --speed=115200\n"
        "terminal_input serial console\nterminal_output serial console\n",
        fs_uuid, prefix);
}

void install_grub_files(const std::string& grub_parent, const std::vector<Bootloader>& loaders) {
    const stdfs::path grub = stdfs::path(grub_parent) / "grub";
    try {
        stdfs::create_directories(grub);
        // Debian's GRUB has no blscfg: it reads grub/grub.cfg, which follows the live
        // loader -> loader.N switch to the grub.cfg the engine generates beside the entries.
        stdfs::remove(grub / "grub.cfg");
        stdfs::create_symlink("../loader/grub.cfg", grub / "grub.cfg");
        for (Bootloader b : loaders) {
            const stdfs::path src = stdfs::path(kGrubLib) / platform_dir(b);
            const stdfs::path dst = grub / platform_dir(b);
            stdfs::create_directories(dst);
            for (const auto& entry : stdfs::directory_iterator(src)) {
                const auto ext = entry.path().extension();
                if (ext == ".mod" || ext == ".lst")
                    stdfs::copy_file(entry.path(), dst / entry.path().filename(),
                                     stdfs::copy_options::overwrite_existing);
            }
        }
    } catch (const stdfs::filesystem_error& e) {
        throw SystemError(e.code().value(), "install GRUB files into", e.path1().string());
    }
}

void install_grub_bios(const std::string& target, const DiskLayout& layout,
                       const std::string& early_cfg, const std::string& work_dir,
                       Progress& progress) {
    std::string core =
        make_core(Bootloader::GrubBios, early_cfg, work_dir, work_dir + "/core.img", progress);
    uint64_t core_lba = 1;
    uint64_t room = layout.partitions.front().start - kSector;
    if (const auto* bios_grub = layout.find("bios_grub")) {
        core_lba = bios_grub->start / kSector;
        room = bios_grub->size;
    }
    if (core.size() > room || core.size() < kSector) {
        throw Error(ErrorKind::Failed,
                    fmt::format("install GRUB for BIOS: core.img is {} bytes, the space for it {}",
                                core.size(), room));
    }
    std::string boot = fs::read_file_at(AT_FDCWD, fmt::format("{}/i386-pc/boot.img", kGrubLib));
    if (boot.size() != kSector)
        throw CorruptError(fmt::format("{}/i386-pc/boot.img is not one sector", kGrubLib));
    put_le64(boot, kBootImgKernelSector, core_lba);
    put_le64(core, kDiskbootBlocklistStart, core_lba + 1);
    write_at(target, core_lba * kSector, core);
    write_at(target, 0, boot.substr(0, kMbrCodeSize));
}

void install_grub_efi(const std::string& target, const PartitionInfo& esp,
                      const std::string& early_cfg, const std::string& work_dir,
                      Progress& progress) {
    const std::string efi = work_dir + "/BOOTX64.EFI";
    make_core(Bootloader::GrubEfi, early_cfg, work_dir, efi, progress);
    // mtools addresses the partition as IMAGE@@OFFSET; the host may have no vfat driver.
    const std::string drive = fmt::format("{}@@{}", target, esp.start);
    const std::vector<std::string> env = {"MTOOLS_SKIP_CHECK=1"};
    const std::string step = "write the EFI system partition";
    // The serial number is the FAT "UUID" (XXXX-XXXX) the machine's fstab can name.
    std::string serial = esp.fs_uuid;
    serial.erase(std::remove(serial.begin(), serial.end(), '-'), serial.end());
    util::run_checked({"mformat", "-i", drive, "-T", std::to_string(esp.size / kSector), "-h", "64",
                       "-s", "32", "-F", "-N", serial, "-v", "ESP", "::"},
                      step, {}, &progress, env);
    util::run_checked({"mmd", "-i", drive, "::/EFI", "::/EFI/BOOT"}, step, {}, &progress, env);
    util::run_checked({"mcopy", "-i", drive, efi, "::/EFI/BOOT/BOOTX64.EFI"}, step, {}, &progress,
                      env);
}

void make_ext4(const std::string& target, const PartitionInfo& part, const std::string& dir,
               const std::string& label, Progress& progress) {
    util::run_checked(
        {"mkfs.ext4", "-q", "-F", "-U", part.fs_uuid, "-L", label, "-d", dir, "-E",
         fmt::format("offset={}", part.start), target, fmt::format("{}k", part.size / 1024)},
        fmt::format("make the {} filesystem", part.role), {}, &progress);
}

}  // namespace deploy::image
