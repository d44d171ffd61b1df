// create_image: check tools and input, build the sysroot, lay out the disk, make the
// filesystems from directories, install GRUB, and only then put the result in place.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/image/image.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/sysroot/deployment.hpp"
#include "deploy/util/child_process.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "image_steps.hpp"

namespace deploy::image {

namespace {

namespace stdfs = std::filesystem;

// A scratch directory beside the output (same filesystem: hardlinked pulls, one final rename),
// removed with everything in it however create_image ends.
class WorkDir {
  public:
    explicit WorkDir(const std::string& near) {
        std::string tmpl = (stdfs::path(near).parent_path() / ".image-build-XXXXXX").string();
        if (stdfs::path(near).parent_path().empty())
            tmpl = ".image-build-XXXXXX";
        if (!::mkdtemp(tmpl.data()))
            throw_errno("create a build directory beside", near);
        path_ = tmpl;
    }
    ~WorkDir() {
        std::error_code ec;
        stdfs::remove_all(path_, ec);
        if (ec)
            spdlog::warn("image create: could not remove {}: {}", path_, ec.message());
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// Bytes the tree occupies (hardlinked files once), for a clear "too small" before mkfs runs.
uint64_t tree_usage(const std::string& dir) {
    uint64_t bytes = 0;
    std::set<std::pair<dev_t, ino_t>> seen;
    for (const auto& entry : stdfs::recursive_directory_iterator(dir)) {
        struct stat st;
        if (::lstat(entry.path().c_str(), &st) != 0)
            continue;
        if (!seen.insert({st.st_dev, st.st_ino}).second)
            continue;
        bytes += static_cast<uint64_t>(st.st_blocks) * 512 + 256;  // + its inode
    }
    return bytes;
}

std::string fat_serial() {
    std::string uuid = random_uuid();
    return uuid.substr(0, 4) + "-" + uuid.substr(4, 4);
}

void validate(ImageOptions& o) {
    if (o.output.empty() == o.device.empty())
        throw InvalidError("image create: give exactly one of OUT.img or --device /dev/X");
    if (!o.device.empty() && o.qcow2)
        throw InvalidError("image create: --qcow2 makes a file, not a --device install");
    if (!o.output.empty() && o.size == 0)
        throw InvalidError("image create: --size is required for an image file");
    if (!sysroot::is_valid_os_name(o.os))
        throw InvalidError(fmt::format("image create: invalid OS name '{}'", o.os));
    if (o.bootloaders.empty())
        o.bootloaders = {Bootloader::GrubBios};
    std::sort(o.bootloaders.begin(), o.bootloaders.end());
    o.bootloaders.erase(std::unique(o.bootloaders.begin(), o.bootloaders.end()),
                        o.bootloaders.end());
    for (const auto& k : o.kargs) {
        if (k.empty() || k.find_first_of(" \t\n\"") != std::string::npos)
            throw InvalidError(fmt::format("image create: invalid kernel argument '{}'", k));
        if (k.rfind("deploy=", 0) == 0)
            throw InvalidError("image create: deploy= is set by the engine, not by --karg");
    }
    repo::Repo source = repo::Repo::open(o.repo);
    repo::Repo::check_ref_name(o.ref);
    if (!source.read_ref(o.ref))
        throw NotFoundError(
            fmt::format("image create: no ref '{}' in repository {}", o.ref, o.repo));
}

uint64_t device_size(const std::string& device) {
    // O_EXCL on a block device fails with EBUSY while it (or a partition) is mounted or used.
    UniqueFd fd(::open(device.c_str(), O_RDWR | O_EXCL | O_CLOEXEC));
    if (!fd)
        throw_errno("open the target device", device);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISBLK(st.st_mode))
        throw InvalidError(fmt::format("image create: {} is not a block device", device));
    uint64_t size = 0;
    if (::ioctl(fd.get(), BLKGETSIZE64, &size) != 0)
        throw_errno("read the size of", device);
    return size;
}

bool has_karg(const std::vector<std::string>& kargs, const std::string& key) {
    for (const auto& k : kargs)
        if (k == key || k.rfind(key + "=", 0) == 0)
            return true;
    return false;
}

}  // namespace

ImageResult create_image(const ImageOptions& options_in, Progress& progress) {
    ImageOptions o = options_in;
    validate(o);
    check_tools(o);

    const bool to_device = !o.device.empty();
    WorkDir work(to_device ? std::string("/var/tmp/device") : o.output);
    const std::string target = to_device ? o.device : work.path() + "/disk.raw";
    uint64_t disk_size = o.size;
    if (to_device) {
        uint64_t whole = device_size(o.device);
        if (disk_size == 0)
            disk_size = whole;
        if (disk_size > whole)
            throw InvalidError(
                fmt::format("image create: --size is larger than {} ({} bytes)", o.device, whole));
    }
    DiskLayout layout = plan_layout(o, disk_size);
    for (auto& p : layout.partitions)
        p.fs_uuid = p.role == "esp" ? fat_serial() : p.role == "bios_grub" ? "" : random_uuid();
    const PartitionInfo& root = *layout.find("root");
    const PartitionInfo* boot = layout.find("boot");

    // The first deployment must boot without a second deploy: the root by UUID, writable (the
    // deployment's /etc and /var live on it), plus whatever the caller adds.
    std::vector<std::string> kargs;
    if (!has_karg(o.kargs, "root")) {
        kargs.push_back("root=UUID=" + root.fs_uuid);
        kargs.push_back("rw");
    }
    kargs.insert(kargs.end(), o.kargs.begin(), o.kargs.end());

    const std::string sysroot_dir = work.path() + "/sysroot";
    BuiltSysroot built;
    {
        ProgressTask task(progress, "deploy");
        built = build_sysroot(sysroot_dir, o, kargs, progress);
    }
    progress.message(fmt::format("Deployed {} into the image's sysroot", built.deployment));

    // The separate /boot is named in the deployment's fstab, where prepare-root and systemd both
    // look (not as boot=: initramfs-tools takes boot= as its boot script's name).
    if (boot) {
        const std::string fstab = sysroot_dir + "/" + built.deployment + "/etc/fstab";
        std::string text = fs::exists_at(AT_FDCWD, fstab) ? fs::read_file_at(AT_FDCWD, fstab) : "";
        if (!text.empty() && text.back() != '\n')
            text += '\n';
        text += fmt::format("UUID={} /boot ext4 defaults 0 2\n", boot->fs_uuid);
        fs::write_file_atomic(AT_FDCWD, fstab, text, 0644, false);
    }
    // A separate /boot holds what sysroot/boot held; "boot -> ." in it lets paths written as
    // /boot/... (the single-filesystem form) resolve there too.
    std::string grub_parent = sysroot_dir + "/boot";
    std::string boot_dir;
    if (boot) {
        boot_dir = work.path() + "/bootfs";
        stdfs::rename(grub_parent, boot_dir);
        stdfs::create_directory(grub_parent);
        stdfs::create_directory_symlink(".", stdfs::path(boot_dir) / "boot");
        grub_parent = boot_dir;
    }
    install_grub_files(grub_parent, o.bootloaders);
    const std::string early =
        grub_early_config(boot ? boot->fs_uuid : root.fs_uuid, boot ? "/grub" : "/boot/grub");

    const uint64_t need = tree_usage(sysroot_dir);
    if (need + need / 10 + 8 * kMiB > root.size) {
        throw NoSpaceError(
            fmt::format("image create: the root partition ({} MiB) is too small for the sysroot "
                        "(about {} MiB); "
                        "use a larger --size",
                        root.size / kMiB, (need + need / 10) / kMiB + 8));
    }

    if (!to_device) {
        UniqueFd fd(::open(target.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (!fd || ::ftruncate(fd.get(), static_cast<off_t>(disk_size)) != 0)
            throw_errno("create the image file", target);
    }
    {
        ProgressTask task(progress, "partition");
        layout = write_partition_table(target, layout, progress);
    }
    {
        ProgressTask task(progress, "mkfs");
        make_ext4(target, *layout.find("root"), sysroot_dir, "root", progress);
        if (boot)
            make_ext4(target, *layout.find("boot"), boot_dir, "boot", progress);
    }
    {
        ProgressTask task(progress, "bootloader");
        for (Bootloader b : o.bootloaders) {
            if (b == Bootloader::GrubBios)
                install_grub_bios(target, layout, early, work.path(), progress);
            else
                install_grub_efi(target, *layout.find("esp"), early, work.path(), progress);
        }
    }

    if (to_device) {
        UniqueFd fd(::open(target.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd)
            ::fsync(fd.get());
    } else {
        std::string final_file = target;
        if (o.qcow2) {
            ProgressTask task(progress, "convert");
            final_file = work.path() + "/disk.qcow2";
            util::run_checked(
                {"qemu-img", "convert", "-f", "raw", "-O", "qcow2", target, final_file},
                "convert the image to qcow2", {}, &progress);
        }
        UniqueFd fd(::open(final_file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd || ::fsync(fd.get()) != 0)
            throw_errno("fsync", final_file);
        if (::rename(final_file.c_str(), o.output.c_str()) != 0)
            throw_errno("move the finished image to", o.output);
        UniqueFd dir(::open(stdfs::path(stdfs::absolute(o.output)).parent_path().c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir)
            ::fsync(dir.get());
    }

    ImageResult result;
    result.commit = built.commit;
    result.deployment = built.deployment;
    result.kargs = built.kargs;
    result.partitions = layout.partitions;
    result.label = layout.label;
    return result;
}

}  // namespace deploy::image
