#include "scriptlet_mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "deploy/error.hpp"

namespace deploy::rpm_helper {

namespace {

void warn(const char* what, const std::string& dir) {
    std::fprintf(stderr, "%s /%s for the scriptlet: %s\n", what, dir.c_str(), std::strerror(errno));
}

UniqueFd new_mount(const char* fstype, const char* mode, unsigned attrs) {
    UniqueFd fs(::fsopen(fstype, FSOPEN_CLOEXEC));
    if (!fs)
        return {};
    if (mode && ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "mode", mode, 0) != 0)
        return {};
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
        return {};
    return UniqueFd(::fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
}

// The few parts of /proc through which uid 0 could change the host's kernel without any
// capability (core_pattern runs a program as host root on the next crash; sysrq reboots).
constexpr const char* kReadOnlyProc[] = {"sys", "sysrq-trigger", "irq", "bus", "fs"};

struct DeviceNode {
    const char* name;
    unsigned major, minor;
};
constexpr DeviceNode kDevices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                   {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

}  // namespace

ScriptletMounts::ScriptletMounts() : root_(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) {
    if (!root_)
        throw_errno("cannot open the root of", "the scriptlet sandbox");
}

ScriptletMounts::~ScriptletMounts() {
    take_down();
}

void ScriptletMounts::set_up() {
    take_down();
    mount_proc();
    mount_dev();
    mount_tmp("tmp");
    mount_tmp("var/tmp");
}

void ScriptletMounts::take_down() {
    for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
        if (::umount2(("/" + *it).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0)
            warn("cannot unmount", *it);
    }
    mounted_.clear();
}

void ScriptletMounts::attach(UniqueFd mount, const std::string& dir) {
    if (!mount) {
        warn("cannot create", dir);
        return;
    }
    UniqueFd at(::openat(root_.get(), dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!at)
        return;  // not in this tree (or not a plain directory): the scriptlet goes without
    if (::move_mount(mount.get(), "", at.get(), "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0)
        mounted_.push_back(dir);
    else
        warn("cannot mount", dir);
}

void ScriptletMounts::mount_proc() {
    attach(new_mount("proc", nullptr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC),
           "proc");
    if (mounted_.empty() || mounted_.back() != "proc")
        return;
    for (const char* part : kReadOnlyProc) {
        const std::string path = std::string("proc/") + part;
        UniqueFd clone(::open_tree(root_.get(), path.c_str(),
                                   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW));
        if (!clone)
            continue;  // not in this kernel's /proc
        mount_attr attr{};
        attr.attr_set =
            MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        if (::mount_setattr(clone.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0 ||
            ::move_mount(clone.get(), "", root_.get(), path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
            throw_errno("cannot make read-only for the scriptlet:", "/" + path);
        mounted_.push_back(path);
    }
}

void ScriptletMounts::mount_dev() {
    UniqueFd dev = new_mount("tmpfs", "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (dev) {
        // The usual character devices, nothing else (no disks, no /dev/mem, no /dev/kmsg).
        for (const auto& d : kDevices) {
            if (::mknodat(dev.get(), d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0 ||
                ::fchmodat(dev.get(), d.name, 0666, 0) != 0)
                warn("cannot create a device node in", "dev");
        }
        (void)::symlinkat("/proc/self/fd", dev.get(), "fd");
        (void)::symlinkat("/proc/self/fd/0", dev.get(), "stdin");
        (void)::symlinkat("/proc/self/fd/1", dev.get(), "stdout");
        (void)::symlinkat("/proc/self/fd/2", dev.get(), "stderr");
        if (::mkdirat(dev.get(), "shm", 01777) == 0)
            (void)::fchmodat(dev.get(), "shm", 01777, 0);
    }
    attach(std::move(dev), "dev");
}

void ScriptletMounts::mount_tmp(const std::string& dir) {
    attach(new_mount("tmpfs", "1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), dir);
}

}  // namespace deploy::rpm_helper
