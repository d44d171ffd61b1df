// deployd-prepare-root: turns the deployment named by deploy= on the kernel command line into
// the root filesystem, from inside the initramfs (after the physical root is mounted, before
// switch-root). Deliberately free of the engine's libraries (spdlog, fmt, OpenSSL): it is linked
// statically and copied into initramfs images on its own.
#pragma once

#include <string>
#include <vector>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"

namespace prepare_root {

// --- cmdline.cpp -----------------------------------------------------------------------------

// Kernel command line split into arguments as the kernel does (double quotes group spaces and
// are removed).
std::vector<std::string> split_cmdline(const std::string& cmdline);
// Value of the last `key=` argument (the kernel's rule: a later one overrides), "" if absent;
// `found` tells an empty value from a missing key.
std::string cmdline_value(const std::vector<std::string>& args, const std::string& key,
                          bool* found = nullptr);

// --- deployment_dir.cpp ----------------------------------------------------------------------

// The deployment named by deploy=, checked against the physical root.
struct DeploymentDir {
    std::string os;
    std::string id;
    std::string relpath;      // "deploy/<os>/<id>"
    std::string var_relpath;  // "deploy/<os>/var"
};

// Validates `value` (deploy=/deploy/<os>/<id>): syntax first (exactly three components, no `.`,
// `..` or empty ones), then on disk: the deployment, its usr, etc, var, boot, sysroot and the
// OS's shared var must be real directories beneath root_fd, reached without following any
// symlink (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS). InvalidError/NotFoundError otherwise.
DeploymentDir validate_deployment(int root_fd, const std::string& value);

// Opens `relpath` beneath dirfd as a directory without following symlinks anywhere on the way;
// errors are "<what> does not exist", "<what> is ... a symlink", ...
deploy::UniqueFd open_dir_beneath(int dirfd, const std::string& relpath, const std::string& what);

// --- boot_device.cpp -------------------------------------------------------------------------

// A separate /boot filesystem: from boot=SPEC on the command line, else the /boot line of the
// deployment's etc/fstab. SPEC is a device path, UUID=, LABEL=, PARTUUID= or PARTLABEL=.
struct BootDevice {
    std::string spec;     // as written, for messages
    std::string origin;   // "boot= kernel argument" or "<deployment>/etc/fstab"
    std::string fstype;   // "" = probe
    std::string options;  // fstab options minus the ones mount(8) handles itself
};

// nullopt-like: spec empty when /boot is a directory of the physical root.
BootDevice find_boot_device(const std::vector<std::string>& args, int deployment_fd,
                            const std::string& deployment_relpath);
// Resolves spec to a device node (waiting up to timeout_ms for udev to create it) and mounts it
// at target. NotFoundError/SystemError naming the spec.
void mount_boot_device(const BootDevice& device, const std::string& target, int timeout_ms);

// --- mount_stack.cpp -------------------------------------------------------------------------

// Mounts made so far; the destructor detaches them again (newest first) unless commit() was
// called, so a failure leaves the physical root exactly as the initramfs mounted it.
class MountStack {
  public:
    MountStack() = default;
    MountStack(const MountStack&) = delete;
    MountStack& operator=(const MountStack&) = delete;
    ~MountStack();

    void bind(const std::string& source, const std::string& target);
    void bind_read_only(const std::string& path);  // bind onto itself, then remount ro
    void pushed(const std::string& target);  // a mount made elsewhere, to be undone with the rest
    void commit() { mounts_.clear(); }

  private:
    std::vector<std::string> mounts_;
};

// Makes every mount private (a later MS_MOVE is refused under a shared parent, and systemd
// initrds mount / shared).
void make_mounts_private();
// True when path is the root of a mount (statx STATX_ATTR_MOUNT_ROOT).
bool is_mount_point(const std::string& path);
// Remounts the filesystem at path read-write if it is mounted read-only, keeping its flags: the
// deployment's /etc and the OS's /var live on it and must be writable from the first process.
bool ensure_writable(const std::string& path);

}  // namespace prepare_root
