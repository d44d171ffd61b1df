#include "sandbox.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"

#ifndef DEPLOYD_LIBEXECDIR
#define DEPLOYD_LIBEXECDIR "/usr/libexec"
#endif

namespace deploy::layering::sandbox {

namespace {

bool is_executable(const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0;
}

ErrorKind kind_from_name(const std::string& name) {
    for (ErrorKind k : {ErrorKind::Failed, ErrorKind::NotFound, ErrorKind::Invalid, ErrorKind::Busy,
                        ErrorKind::Conflict, ErrorKind::Corrupt, ErrorKind::NoSpace,
                        ErrorKind::Cancelled, ErrorKind::AccessDenied}) {
        if (name == error_kind_name(k))
            return k;
    }
    return ErrorKind::Failed;
}

// bwrap's absolute path, looked up here: after fork() (the daemon has threads) only execv, which
// needs no PATH search, may run.
std::string find_bwrap() {
    const char* path = std::getenv("PATH");
    std::string dirs = path && *path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos)
            end = dirs.size();
        std::string candidate = dirs.substr(start, end - start) + "/bwrap";
        if (end > start && is_executable(candidate))
            return candidate;
        start = end + 1;
    }
    throw NotFoundError(
        "bwrap (bubblewrap) is not installed; it is needed to sandbox package scriptlets: "
        "install the bubblewrap package");
}

std::vector<std::string> bwrap_argv(const std::string& work_dir, const std::string& request) {
    std::vector<std::string> argv = {
        find_bwrap(),
        // Every namespace but the user one: librpm needs real root for owners and modes inside.
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        // The helper is the pid namespace's init: no bubblewrap reaper whose cwd (a host
        // directory) /proc/1/cwd would lead to, and nothing in the sandbox can signal it.
        "--as-pid-1",
        // The host read-only and the work dir writable are only what the helper starts from: it
        // makes the tree the root and detaches all of this before any scriptlet runs.
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", work_dir, work_dir,
        "--clearenv", "--setenv", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "--setenv", "LANG",
        "C.UTF-8", "--cap-drop", "ALL"};
    // The helper's mounter keeps SYS_ADMIN (mounts for scriptlets) and SETPCAP (to drop the
    // installer's bounding set); the installer keeps only the file capabilities (confine.cpp).
    for (const char* cap : {"CAP_SYS_ADMIN", "CAP_SETPCAP", "CAP_MKNOD", "CAP_CHOWN",
                            "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_AUDIT_WRITE"}) {
        argv.push_back("--cap-add");
        argv.push_back(cap);
    }
    argv.push_back(helper_path());
    argv.push_back(request);
    return argv;
}

// Starts bwrap with fd kEventFd = the write end of the event pipe, stdout and stderr = log.
pid_t spawn(const std::vector<std::string>& args, int event_fd, int log_fd) {
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0)
        throw_errno("cannot fork for", "bwrap");
    if (pid == 0) {
        // Only async-signal-safe calls from here on.
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 ||
            ::dup2(log_fd, 2) < 0 || ::dup2(event_fd, kEventFd) < 0)
            ::_exit(126);
        // Nothing else of ours reaches the sandbox (a daemon holds callers' descriptors, and not
        // every library marks its own close-on-exec).
        ::close_range(kEventFd + 1, ~0U, 0);
        ::execv(argv[0], argv.data());
        static const char msg[] = "exec bwrap failed\n";
        (void)!::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    return pid;
}

void relay_scriptlet(const ScriptletRun& run, Progress& progress) {
    progress.message(
        fmt::format("{} of {}: {}", run.scriptlet, run.package, run.ok ? "ok" : "FAILED"));
    size_t start = 0;
    while (start < run.output.size()) {
        size_t end = run.output.find('\n', start);
        if (end == std::string::npos)
            end = run.output.size();
        progress.message(
            fmt::format("  {}: {}", run.scriptlet, run.output.substr(start, end - start)));
        start = end + 1;
    }
}

}  // namespace

std::string helper_path() {
    if (const char* env = std::getenv("DEPLOYD_RPM_HELPER"); env && *env)
        return env;
    char self[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        std::string dir(self, static_cast<size_t>(n));
        dir.resize(dir.rfind('/'));
        if (std::string beside = dir + "/" + kHelperName; is_executable(beside))
            return beside;
    }
    return std::string(DEPLOYD_LIBEXECDIR) + "/" + kHelperName;
}

void run(const std::string& work_dir, const HelperRequest& request, Progress& progress) {
    UniqueFd work = fs::open_dir(work_dir);
    fs::write_file_atomic(work.get(), "request.json", request.to_json().dump());
    if (!is_executable(helper_path()))
        throw NotFoundError(fmt::format("the rpm helper {} is missing", helper_path()));
    int log_raw =
        ::openat(work.get(), "helper.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_raw < 0)
        throw_errno("cannot create", work_dir + "/helper.log");
    UniqueFd log_fd(log_raw);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw_errno("cannot create a pipe for", "the rpm helper");
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    pid_t pid =
        spawn(bwrap_argv(work_dir, work_dir + "/request.json"), write_end.get(), log_fd.get());
    write_end.reset();

    std::string buffer;
    std::optional<Error> failure;
    bool done = false;
    char chunk[8192];
    for (;;) {
        ssize_t n = ::read(read_end.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buffer.append(chunk, static_cast<size_t>(n));
        for (size_t nl; (nl = buffer.find('\n')) != std::string::npos;) {
            std::string line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
            if (event.is_discarded() || !event.is_object())
                continue;
            const std::string type = event.value("event", "");
            if (type == "message")
                progress.message(event.value("text", ""));
            else if (type == "percent")
                progress.percent("install", event.value("value", 0));
            else if (type == "scriptlet")
                relay_scriptlet(ScriptletRun::from_json(event.at("run")), progress);
            else if (type == "error")
                failure.emplace(kind_from_name(event.value("kind", "Failed")),
                                event.value("message", "rpm helper failed"));
            else if (type == "done")
                done = true;
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // Anything librpm or a Lua scriptlet printed outside the per-scriptlet capture.
    std::string log = fs::read_file_at(work.get(), "helper.log");
    size_t start = 0;
    while (start < log.size()) {
        size_t end = log.find('\n', start);
        if (end == std::string::npos)
            end = log.size();
        if (end > start)
            progress.message("rpm: " + log.substr(start, end - start));
        start = end + 1;
    }
    if (failure)
        throw *failure;
    if (!done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string last = log.substr(0, log.find('\n'));
        throw Error(ErrorKind::Failed,
                    fmt::format("the rpm sandbox failed ({}){}",
                                WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                                  : fmt::format("signal {}", WTERMSIG(status)),
                                last.empty() ? "" : ": " + last));
    }
}

}  // namespace deploy::layering::sandbox
