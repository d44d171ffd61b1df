// deployd-rpm: runs one rpm transaction for the engine inside the bubblewrap sandbox (see
// libdeploy/src/layering/sandbox.cpp for how it is started). It mounts the layering overlay in
// the sandbox's own mount namespace (gone with the sandbox, even after kill -9), opens what it
// needs from the host, makes the tree the namespace's root and splits into a mounter and a
// confined installer (rpm_helper/confine.hpp). The installer runs the transaction and reports
// progress, scriptlet logs and the outcome as JSON lines on fd 3; the mounter gives each
// scriptlet /proc, /dev and empty /tmp and /var/tmp inside the root.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

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
#include "rpm_helper/confine.hpp"
#include "rpm_helper/scriptlet_mounts.hpp"
#include "rpm_session.hpp"
#include "rpm_transaction.hpp"
#include "sandbox_protocol.hpp"

using namespace deploy;
using namespace deploy::layering;
using namespace deploy::rpm_helper;

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
        throw_errno(fmt::format("cannot mount {} on", type ? type : "bind"), target);
}

void mount_overlay(const sandbox::Overlay& o) {
    // Relative option paths (from the work dir) so no sysroot path is parsed by the kernel's
    // comma-separated option syntax.
    if (::chdir(o.dir.c_str()) != 0)
        throw_errno("cannot enter", o.dir);
    const std::string base = "lowerdir=" + o.lower + ",upperdir=" + o.upper + ",workdir=" + o.work;
    // Plain copy-up semantics: no redirects or metadata-only copies the engine would have to
    // interpret when it moves the upper layer onto the lower tree.
    const unsigned long flags = MS_NOSUID | MS_NODEV;
    if (::mount("overlay", o.merged.c_str(), "overlay", flags,
                (base + ",redirect_dir=off,index=off,metacopy=off").c_str()) == 0)
        return;
    mount_or_throw("overlay", o.merged, "overlay", flags, base);
}

// The installer's side of the channel to the mounter: one byte a request, one byte an answer.
class MounterChannel {
  public:
    explicit MounterChannel(UniqueFd fd) : fd_(std::move(fd)) {}
    void request(char what) {
        if (::send(fd_.get(), &what, 1, MSG_NOSIGNAL) != 1)
            throw Error(ErrorKind::Failed, "the scriptlet sandbox's mounter is gone");
        char answer = 0;
        if (::recv(fd_.get(), &answer, 1, 0) != 1 || answer != kOk)
            throw Error(ErrorKind::Failed,
                        "cannot set up /proc, /dev and /tmp for a scriptlet (see the rpm log)");
    }
    static constexpr char kSetUp = 'U', kTakeDown = 'D', kOk = 'K', kFailed = 'F';

  private:
    UniqueFd fd_;
};

// The mounter: serves set-up/take-down requests until the installer closes its end, then
// returns the installer's exit status as its own.
int serve_mounts(UniqueFd channel, pid_t installer) {
    {
        ScriptletMounts mounts;
        for (char what; ::recv(channel.get(), &what, 1, 0) == 1;) {
            char answer = MounterChannel::kOk;
            try {
                if (what == MounterChannel::kSetUp)
                    mounts.set_up();
                else
                    mounts.take_down();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "%s\n", e.what());
                mounts.take_down();
                answer = MounterChannel::kFailed;
            }
            if (::send(channel.get(), &answer, 1, MSG_NOSIGNAL) != 1)
                break;
        }
    }
    int status = 0;
    while (::waitpid(installer, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The installer: confined, runs the transaction in the tree that is now "/".
int install(const sandbox::HelperRequest& request, const PackageFiles& files,
            MounterChannel& mounter) {
    try {
        confine_installer();
        TransactionRequest transaction = request.transaction;
        transaction.root.assign(1, '/');  // (not = "/": a GCC 12 -Wrestrict false positive)
        TransactionEvents events;
        events.message = [](const std::string& text) {
            emit({{"event", "message"}, {"text", text}});
        };
        events.percent = [](int value) { emit({{"event", "percent"}, {"value", value}}); };
        events.scriptlet = [](const ScriptletRun& run) {
            emit({{"event", "scriptlet"}, {"run", run.to_json()}});
        };
        events.scriptlet_starting = [&mounter] { mounter.request(MounterChannel::kSetUp); };
        events.scriptlet_finished = [&mounter] { mounter.request(MounterChannel::kTakeDown); };
        run_transaction(transaction, files, events);
        emit({{"event", "done"}});
        return 0;
    } catch (const Error& e) {
        emit({{"event", "error"}, {"kind", error_kind_name(e.kind())}, {"message", e.what()}});
    } catch (const std::exception& e) {
        emit({{"event", "error"}, {"kind", "Failed"}, {"message", e.what()}});
    }
    return 1;
}

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
        // Everything the transaction needs from outside the tree is taken now: librpm's own
        // configuration (read once per process) and the package files (as descriptors).
        rpm::RpmSession::load_configuration();
        PackageFiles files = PackageFiles::open_all(request.transaction);
        std::string root = request.transaction.root;
        if (request.overlay) {
            mount_overlay(*request.overlay);
            root = fmt::format("{}/{}", request.overlay->dir, request.overlay->merged);
        }
        enter_root(root);
        // Not dumpable (the installer inherits it, scriptlets it executes do not): nothing in the
        // sandbox can ptrace the mounter or reach its /proc entries, so its CAP_SYS_ADMIN stays
        // its own.
        if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
            throw_errno("cannot make the mounter non-dumpable in", "the scriptlet sandbox");
        int sockets[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0)
            throw_errno("cannot create a socket pair in", "the scriptlet sandbox");
        UniqueFd mounter_end(sockets[0]), installer_end(sockets[1]);
        pid_t installer = ::fork();
        if (installer < 0)
            throw_errno("cannot fork the installer in", "the scriptlet sandbox");
        if (installer == 0) {
            mounter_end.reset();
            MounterChannel channel(std::move(installer_end));
            ::_exit(install(request, files, channel));
        }
        installer_end.reset();
        return serve_mounts(std::move(mounter_end), installer);
    } catch (const Error& e) {
        emit({{"event", "error"}, {"kind", error_kind_name(e.kind())}, {"message", e.what()}});
    } catch (const std::exception& e) {
        emit({{"event", "error"}, {"kind", "Failed"}, {"message", e.what()}});
    }
    return 1;
}
