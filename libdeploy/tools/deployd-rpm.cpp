// deployd-rpm: runs one rpm transaction for the engine inside the bubblewrap sandbox (see
// libdeploy/src/layering/sandbox.cpp for how it is started). It mounts the layering overlay in
// the sandbox's own mount namespace (gone with the sandbox, even after kill -9), gives each
// scriptlet /proc, /dev and empty /tmp and /var/tmp inside the root, runs the transaction and
// reports progress, scriptlet logs and the outcome as JSON lines on fd 3.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <rpm/rpmlog.h>
}

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "rpm_transaction.hpp"
#include "sandbox_protocol.hpp"

using namespace deploy;
using namespace deploy::layering;

namespace {

void emit(const nlohmann::json& event) {
    std::string line = event.dump() + "\n";
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(sandbox::kEventFd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);  // the engine went away
        p += n;
        left -= static_cast<size_t>(n);
    }
}

void mount_or_throw(const char* source, const std::string& target, const char* type,
                    unsigned long flags, const std::string& data) {
    if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0)
        throw_errno(std::string("cannot mount ") + (type ? type : "bind") + " on", target);
}

void mount_overlay(const sandbox::Overlay& o) {
    // Relative option paths (from the work dir) so no sysroot path is parsed by the kernel's
    // comma-separated option syntax.
    if (::chdir(o.dir.c_str()) != 0)
        throw_errno("cannot enter", o.dir);
    const std::string base = "lowerdir=" + o.lower + ",upperdir=" + o.upper + ",workdir=" + o.work;
    // Plain copy-up semantics: no redirects or metadata-only copies the engine would have to
    // interpret when it moves the upper layer onto the lower tree.
    if (::mount("overlay", o.merged.c_str(), "overlay", 0,
                (base + ",redirect_dir=off,index=off,metacopy=off").c_str()) == 0)
        return;
    mount_or_throw("overlay", o.merged, "overlay", 0, base);
}

// /proc, /dev, /tmp and /var/tmp for one scriptlet, on directories the tree already has, taken
// away again before librpm installs more files (so no package file lands on a mount). librpm is
// chrooted into the root while it runs scriptlets (and installs files), so everything here is
// fd-based: the new mount API attaches to a directory opened relative to the root's fd, without
// following symlinks, so a tree cannot redirect a mount out of itself.
class ScriptletMounts {
  public:
    explicit ScriptletMounts(const std::string& root)
        : root_path_(root),
          root_(open_path(AT_FDCWD, root.c_str())),
          dev_(open_path(AT_FDCWD, "/dev")) {}
    ~ScriptletMounts() { take_down(); }

    void set_up() {
        take_down();
        mount_new("proc", "proc");
        mount_clone_of_dev();
        mount_new("tmp", "tmpfs");
        mount_new("var/tmp", "tmpfs");
    }

    void take_down() {
        for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
            if (::umount2(path_of(*it).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0)
                std::fprintf(stderr, "cannot unmount /%s after the scriptlet: %s\n", it->c_str(),
                             std::strerror(errno));
        }
        mounted_.clear();
    }

  private:
    static UniqueFd open_path(int dirfd, const char* path) {
        int fd = ::openat(dirfd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            throw_errno("cannot open", path);
        return UniqueFd(fd);
    }

    // A path for umount2 that works chrooted or not: the root we hold is "/" when librpm has
    // chrooted into it.
    std::string path_of(const std::string& dir) const {
        struct stat here, root;
        bool chrooted = ::stat("/", &here) == 0 && ::fstat(root_.get(), &root) == 0 &&
                        here.st_dev == root.st_dev && here.st_ino == root.st_ino;
        return (chrooted ? std::string() : root_path_) + "/" + dir;
    }

    UniqueFd target(const std::string& dir) const {
        return UniqueFd(
            ::openat(root_.get(), dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }

    void attach(int mount_fd, const std::string& dir) {
        UniqueFd owned(mount_fd);
        UniqueFd at = target(dir);
        if (!at)
            return;  // not in this tree: the scriptlet goes without
        if (::move_mount(mount_fd, "", at.get(), "",
                         MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0)
            mounted_.push_back(dir);
        else
            std::fprintf(stderr, "cannot mount /%s for the scriptlet: %s\n", dir.c_str(),
                         std::strerror(errno));
    }

    void mount_new(const std::string& dir, const char* fstype) {
        UniqueFd fs_fd(::fsopen(fstype, FSOPEN_CLOEXEC));
        if (!fs_fd || ::fsconfig(fs_fd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
            std::fprintf(stderr, "cannot create %s for the scriptlet: %s\n", fstype,
                         std::strerror(errno));
            return;
        }
        int m = ::fsmount(fs_fd.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (m >= 0)
            attach(m, dir);
    }

    void mount_clone_of_dev() {
        int m = ::open_tree(dev_.get(), "",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        if (m >= 0)
            attach(m, "dev");
    }

    std::string root_path_;
    UniqueFd root_;
    UniqueFd dev_;
    std::vector<std::string> mounted_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s REQUEST.json (started by deployd, not by hand)\n", argv[0]);
        return 2;
    }
    // Scriptlets' stdout reaches their log only when librpm is verbose (else it is /dev/null).
    rpmSetVerbosity(RPMLOG_INFO);
    try {
        auto request = sandbox::HelperRequest::from_json(
            nlohmann::json::parse(fs::read_file_at(AT_FDCWD, argv[1])));
        if (request.overlay)
            mount_overlay(*request.overlay);
        ScriptletMounts mounts(request.transaction.root);
        TransactionEvents events;
        events.message = [](const std::string& text) {
            emit({{"event", "message"}, {"text", text}});
        };
        events.percent = [](int value) { emit({{"event", "percent"}, {"value", value}}); };
        events.scriptlet = [](const ScriptletRun& run) {
            emit({{"event", "scriptlet"}, {"run", run.to_json()}});
        };
        events.scriptlet_starting = [&mounts] { mounts.set_up(); };
        events.scriptlet_finished = [&mounts] { mounts.take_down(); };
        run_transaction(request.transaction, events);
        mounts.take_down();
        emit({{"event", "done"}});
        return 0;
    } catch (const Error& e) {
        emit({{"event", "error"}, {"kind", error_kind_name(e.kind())}, {"message", e.what()}});
    } catch (const std::exception& e) {
        emit({{"event", "error"}, {"kind", "Failed"}, {"message", e.what()}});
    }
    return 1;
}
