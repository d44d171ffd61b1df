#include "confine.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>

#include "deploy/error.hpp"

namespace deploy::rpm_helper {

namespace {

// What librpm needs to lay down a package's files as root (owners, modes incl. setuid bits,
// file capabilities, writing read-only files) and what scriptlets that manage users need.
// Deliberately absent: SYS_ADMIN, SYS_CHROOT, SYS_PTRACE, SYS_MODULE, SYS_RAWIO, NET_ADMIN,
// MKNOD, DAC_READ_SEARCH (open_by_handle_at), SETPCAP, SYS_BOOT, SYS_TIME, BPF, ...
constexpr std::initializer_list<int> kInstallerCaps = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID,      CAP_KILL,
    CAP_SETGID, CAP_SETUID,       CAP_SETFCAP, CAP_AUDIT_WRITE,
};

// Calls that could leave the tree or change the kernel. Plain errors (EPERM), not a kill: a
// scriptlet probing for them gets a failure it can report.
constexpr const char* kDeniedSyscalls[] = {
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "bpf",
    "perf_event_open",
    "open_by_handle_at",
    "name_to_handle_at",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "acct",
    "quotactl",
    "lookup_dcookie",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "iopl",
    "ioperm",
    "vhangup",
    "personality",
};

constexpr unsigned long kNamespaceFlags[] = {
    CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
    CLONE_NEWIPC, CLONE_NEWUTS,  CLONE_NEWCGROUP, CLONE_NEWTIME,
};

struct SeccompRelease {
    void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using SeccompFilter = std::unique_ptr<void, SeccompRelease>;

void check(int rc, const char* what) {
    if (rc < 0)
        throw Error(ErrorKind::Failed, std::string("cannot confine the scriptlet sandbox: ") +
                                           what + ": " + std::strerror(-rc));
}

void drop_capabilities() {
    bool keep[64] = {};
    for (int cap : kInstallerCaps)
        keep[cap] = true;
    // The bounding set limits what any later execve (of a setuid or file-capability binary, or
    // of anything as uid 0) can regain. Needs CAP_SETPCAP, which goes with the capset below.
    for (int cap = 0; cap < 64; ++cap) {
        if (keep[cap])
            continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            throw_errno("cannot drop capability from the bounding set in", "the scriptlet sandbox");
    }
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int cap : kInstallerCaps) {
        data[cap / 32].effective |= 1U << (cap % 32);
        data[cap / 32].permitted |= 1U << (cap % 32);
    }
    if (::syscall(SYS_capset, &header, data) != 0)
        throw_errno("cannot set the capabilities of", "the scriptlet sandbox");
}

void load_seccomp_filter() {
    SeccompFilter filter(seccomp_init(SCMP_ACT_ALLOW));
    if (!filter)
        throw Error(ErrorKind::Failed, "cannot confine the scriptlet sandbox: seccomp_init");
#if defined(__x86_64__)
    // 32-bit and x32 system calls get the same rules (instead of being a way around them).
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
        int rc = seccomp_arch_add(filter.get(), arch);
        if (rc != -EEXIST)
            check(rc, "seccomp_arch_add");
    }
#endif
    for (const char* name : kDeniedSyscalls) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
            continue;  // not on this architecture
        check(seccomp_rule_add(filter.get(), SCMP_ACT_ERRNO(EPERM), nr, 0), name);
    }
    for (unsigned long flag : kNamespaceFlags) {
        check(seccomp_rule_add(filter.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
              "clone rule");
    }
    // clone3 takes its flags in memory, out of the filter's reach: refuse it as unknown, so libc
    // falls back to clone, where the rule above applies.
    check(seccomp_rule_add(filter.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
    // The filter sets no_new_privs itself; done explicitly so it holds even if that changes.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw_errno("cannot set no_new_privs in", "the scriptlet sandbox");
    check(seccomp_load(filter.get()), "seccomp_load");
}

}  // namespace

void enter_root(const std::string& root) {
    // Nothing done here may propagate back to the host's mount table.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw_errno("cannot make the sandbox's mounts private in", root);
    // A bind of the tree onto itself makes it a mount point (pivot_root needs one) and lets it
    // be nosuid,nodev: a device node a package or scriptlet makes cannot reach a host device.
    if (::mount(root.c_str(), root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        throw_errno("cannot bind-mount the tree", root);
    if (::mount(nullptr, root.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV,
                nullptr) != 0)
        throw_errno("cannot remount nosuid,nodev", root);
    if (::chdir(root.c_str()) != 0)
        throw_errno("cannot enter", root);
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching it then leaves
    // the tree as the only thing there is. Every process of the namespace whose root or cwd was
    // the old root (bubblewrap's init too) now has the tree instead.
    if (::syscall(SYS_pivot_root, ".", ".") != 0)
        throw_errno("cannot make the tree the sandbox's root:", root);
    if (::umount2(".", MNT_DETACH) != 0)
        throw_errno("cannot detach the host from the sandbox at", root);
    if (::chdir("/") != 0)
        throw_errno("cannot enter the new root", root);
}

void confine_installer() {
    drop_capabilities();
    load_seccomp_filter();
}

}  // namespace deploy::rpm_helper
