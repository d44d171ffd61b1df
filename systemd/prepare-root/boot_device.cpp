// Finding and mounting a separate /boot filesystem. GRUB reads the boot configuration from
// wherever /boot lives; the booted system must see that same filesystem at /sysroot/boot (where
// deployd writes it) and at /boot, or upgrades would write entries GRUB never reads.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>
#include <thread>

#include "prepare_root.hpp"

namespace prepare_root {

namespace {

std::string read_fstab(int deployment_fd) {
    int fd = ::openat(deployment_fd, "etc/fstab", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return {};
    deploy::UniqueFd owner(fd);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    return text;
}

// fstab options that are for mount(8) or systemd, not for the kernel's mount(2).
bool is_userspace_option(const std::string& option) {
    static const char* const exact[] = {"defaults", "auto",  "noauto", "nofail",  "user", "nouser",
                                        "users",    "owner", "group",  "_netdev", "rw"};
    for (const char* name : exact) {
        if (option == name)
            return true;
    }
    return option.rfind("x-", 0) == 0 || option.rfind("comment=", 0) == 0;
}

std::string kernel_options(const std::string& options, unsigned long& flags) {
    std::string out;
    std::stringstream in(options);
    std::string option;
    while (std::getline(in, option, ',')) {
        if (option.empty() || is_userspace_option(option))
            continue;
        if (option == "ro") {
            flags |= MS_RDONLY;
        } else if (option == "nosuid") {
            flags |= MS_NOSUID;
        } else if (option == "nodev") {
            flags |= MS_NODEV;
        } else if (option == "noexec") {
            flags |= MS_NOEXEC;
        } else if (option == "noatime") {
            flags |= MS_NOATIME;
        } else if (option == "relatime") {
            flags |= MS_RELATIME;
        } else if (option == "suid" || option == "dev" || option == "exec" || option == "atime") {
            // the defaults of mount(2)
        } else {
            out += (out.empty() ? "" : ",") + option;
        }
    }
    return out;
}

std::string device_path(const std::string& spec) {
    const std::pair<const char*, const char*> tags[] = {
        {"UUID=", "/dev/disk/by-uuid/"},
        {"LABEL=", "/dev/disk/by-label/"},
        {"PARTUUID=", "/dev/disk/by-partuuid/"},
        {"PARTLABEL=", "/dev/disk/by-partlabel/"},
    };
    for (const auto& [tag, dir] : tags) {
        std::string t(tag);
        if (spec.compare(0, t.size(), t) == 0)
            return dir + spec.substr(t.size());
    }
    if (!spec.empty() && spec.front() == '/')
        return spec;
    throw deploy::InvalidError("boot device '" + spec +
                               "' is neither a /dev path nor UUID=, LABEL=, PARTUUID=, PARTLABEL=");
}

}  // namespace

BootDevice find_boot_device(const std::vector<std::string>& args, int deployment_fd,
                            const std::string& deployment_relpath) {
    BootDevice device;
    bool found = false;
    std::string spec = cmdline_value(args, "boot", &found);
    if (found) {
        if (spec.empty())
            throw deploy::InvalidError("boot= is empty (expected boot=UUID=... or a /dev path)");
        device.spec = spec;
        device.origin = "boot= kernel argument";
        return device;
    }
    std::stringstream fstab(read_fstab(deployment_fd));
    std::string line;
    while (std::getline(fstab, line)) {
        std::stringstream fields(line);
        std::string what, where, type, options;
        if (!(fields >> what >> where) || what.front() == '#')
            continue;
        fields >> type >> options;
        if (where != "/boot" && where != "/boot/")
            continue;
        if (("," + options + ",").find(",noauto,") != std::string::npos)
            continue;  // the admin mounts it by hand; do not second-guess that
        device.spec = what;
        device.origin = "/" + deployment_relpath + "/etc/fstab";
        device.fstype = type == "auto" ? "" : type;
        device.options = options;
    }
    return device;
}

void mount_boot_device(const BootDevice& device, const std::string& target, int timeout_ms) {
    std::string node = device_path(device.spec);
    // udev may still be creating the /dev/disk/by-* links of disks other than the root's.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    struct stat st;
    while (::stat(node.c_str(), &st) != 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            throw deploy::NotFoundError("boot device " + device.spec + " (from the " +
                                        device.origin + ") not found: " + node + " does not exist");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!S_ISBLK(st.st_mode))
        throw deploy::InvalidError("boot device " + device.spec + " (" + node +
                                   ") is not a block device");
    unsigned long flags = MS_SILENT;
    std::string data = kernel_options(device.options, flags);
    std::vector<std::string> types;
    if (!device.fstype.empty()) {
        types.push_back(device.fstype);
    } else {
        types = {"ext4", "vfat", "xfs", "btrfs", "ext3", "ext2"};
    }
    int last_errno = 0;
    for (const auto& type : types) {
        if (::mount(node.c_str(), target.c_str(), type.c_str(), flags,
                    data.empty() ? nullptr : data.c_str()) == 0) {
            return;
        }
        last_errno = errno;
        // Wrong type (EINVAL) or no driver (ENODEV): try the next; anything else is the answer.
        if (errno != EINVAL && errno != ENODEV)
            break;
    }
    errno = last_errno;
    deploy::throw_errno("cannot mount boot device " + device.spec + " (" + node + ", from the " +
                            device.origin + ") on",
                        target);
}

}  // namespace prepare_root
