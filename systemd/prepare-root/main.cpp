// deployd-prepare-root [--root DIR] [--cmdline-file FILE] [--boot-timeout SECONDS]
//
// Runs in the initramfs once the physical root filesystem is mounted at DIR (initramfs-tools:
// ${rootmnt} from a local-bottom script; dracut/systemd: /sysroot after sysroot.mount) and makes
// DIR the deployment named by deploy=:
//   /          the deployment  deploy/<os>/<id>   (its own /etc, writable)
//   /usr       read-only bind of the deployment's usr
//   /var       bind of deploy/<os>/var, shared by the OS's deployments
//   /boot      the physical root's boot/ directory, or the separate boot filesystem (boot= or the
//              deployment's fstab), mounted at /sysroot/boot and bound here
//   /sysroot   the physical root (where deployd finds the sysroot when booted)
// Any failure prints one line naming the cause and exits 1 with every mount made so far undone;
// the caller then drops to the initramfs's emergency shell instead of booting a half-set-up root.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "prepare_root.hpp"

namespace prepare_root {

namespace {

constexpr const char* kProgram = "deployd-prepare-root";

struct Options {
    std::string root = "/sysroot";
    std::string cmdline_file = "/proc/cmdline";
    int boot_timeout_ms = 10000;
};

[[noreturn]] void usage_error(const std::string& message) {
    throw deploy::InvalidError(message + " (usage: " + kProgram +
                               " [--root DIR] [--cmdline-file FILE] [--boot-timeout SECONDS])");
}

Options parse_args(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--root") {
            options.root = value();
        } else if (arg == "--cmdline-file") {
            options.cmdline_file = value();
        } else if (arg == "--boot-timeout") {
            std::string v = value();
            char* end = nullptr;
            long seconds = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || seconds < 0 || seconds > 600)
                usage_error("--boot-timeout needs 0-600 seconds, got '" + v + "'");
            options.boot_timeout_ms = static_cast<int>(seconds * 1000);
        } else {
            usage_error("unknown argument '" + arg + "'");
        }
    }
    while (options.root.size() > 1 && options.root.back() == '/')
        options.root.pop_back();
    if (options.root.empty() || options.root.front() != '/' || options.root == "/")
        usage_error("--root must be an absolute directory other than /, got '" + options.root +
                    "'");
    return options;
}

std::string read_cmdline(const std::string& path) {
    deploy::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        deploy::throw_errno("cannot read the kernel command line from", path);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    if (n < 0)
        deploy::throw_errno("cannot read the kernel command line from", path);
    return text;
}

void run(const Options& options) {
    std::vector<std::string> args = split_cmdline(read_cmdline(options.cmdline_file));
    bool have_deploy = false;
    std::string value = cmdline_value(args, "deploy", &have_deploy);
    if (!have_deploy)
        throw deploy::NotFoundError("no deploy= argument on the kernel command line (" +
                                    options.cmdline_file + ")");

    const std::string& root = options.root;
    if (!is_mount_point(root))
        throw deploy::InvalidError(root +
                                   " is not a mount point (the physical root must be "
                                   "mounted there first)");
    deploy::UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd)
        deploy::throw_errno("cannot open the physical root", root);
    DeploymentDir dir = validate_deployment(root_fd.get(), value);
    deploy::UniqueFd deployment_fd = open_dir_beneath(root_fd.get(), dir.relpath, dir.relpath);
    BootDevice boot = find_boot_device(args, deployment_fd.get(), dir.relpath);

    make_mounts_private();
    ensure_writable(root);

    const std::string deployment = root + "/" + dir.relpath;
    const std::string sysroot = deployment + "/sysroot";
    MountStack mounts;
    // The deployment becomes a mount of its own so that it can be moved onto `root` last.
    mounts.bind(deployment, deployment);
    mounts.bind(root, sysroot);
    if (!boot.spec.empty()) {
        mount_boot_device(boot, sysroot + "/boot", options.boot_timeout_ms);
        mounts.pushed(sysroot + "/boot");
    }
    mounts.bind(sysroot + "/boot", deployment + "/boot");
    mounts.bind(sysroot + "/" + dir.var_relpath, deployment + "/var");
    mounts.bind_read_only(deployment + "/usr");
    if (::mount(deployment.c_str(), root.c_str(), nullptr, MS_MOVE | MS_SILENT, nullptr) != 0)
        deploy::throw_errno("cannot move the deployment " + dir.relpath + " onto", root);
    mounts.commit();

    std::fprintf(stderr, "%s: root is /%s (/usr read-only, /boot from %s)\n", kProgram,
                 dir.relpath.c_str(),
                 boot.spec.empty() ? "the physical root's boot/"
                                   : (boot.spec + " per the " + boot.origin).c_str());
}

}  // namespace

}  // namespace prepare_root

int main(int argc, char** argv) {
    try {
        prepare_root::run(prepare_root::parse_args(argc, argv));
        return 0;
    } catch (const std::exception& e) {
        // One line, on the console the initramfs shows: the admin sees it above the emergency
        // shell prompt.
        std::fprintf(stderr, "%s: error: %s\n", prepare_root::kProgram, e.what());
        return 1;
    }
}
