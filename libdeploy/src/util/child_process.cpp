#include "deploy/util/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/progress.hpp"

extern char** environ;

namespace deploy::util {

namespace {

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw_errno("create pipe for", "child process");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// posix_spawn's attribute and file-action objects are C handles too.
struct SpawnAttr {
    posix_spawnattr_t attr;
    SpawnAttr() { posix_spawnattr_init(&attr); }
    ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
    SpawnAttr(const SpawnAttr&) = delete;
    SpawnAttr& operator=(const SpawnAttr&) = delete;
};
struct SpawnActions {
    posix_spawn_file_actions_t actions;
    SpawnActions() { posix_spawn_file_actions_init(&actions); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
};

// Writing to a tool that exited must fail with EPIPE, not kill the whole process: SIGPIPE is
// blocked on this thread for the write and a pending one is consumed before unblocking.
class SigpipeBlock {
  public:
    SigpipeBlock() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, &old_);
    }
    ~SigpipeBlock() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        timespec zero{0, 0};
        while (sigtimedwait(&set, nullptr, &zero) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  private:
    sigset_t old_;
};

std::string last_line(const std::string& text) {
    size_t end = text.find_last_not_of(" \t\r\n");
    if (end == std::string::npos)
        return "";
    size_t begin = text.rfind('\n', end);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(begin, end - begin + 1);
}

}  // namespace

std::string find_program(const std::string& name) {
    auto executable = [](const std::string& path) { return ::access(path.c_str(), X_OK) == 0; };
    if (name.find('/') != std::string::npos)
        return executable(name) ? name : "";
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    path += ":/usr/sbin:/sbin";
    size_t start = 0;
    while (start <= path.size()) {
        size_t colon = path.find(':', start);
        if (colon == std::string::npos)
            colon = path.size();
        std::string dir = path.substr(start, colon - start);
        if (!dir.empty() && executable(dir + "/" + name))
            return dir + "/" + name;
        start = colon + 1;
    }
    return "";
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string input,
                           const std::vector<std::string>& extra_env)
    : argv_(std::move(argv)), input_(std::move(input)) {
    if (argv_.empty())
        throw InvalidError("child process: empty command line");
    const std::string program = find_program(argv_[0]);
    if (program.empty())
        throw NotFoundError(fmt::format("program '{}' not found", argv_[0]));

    Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
    SpawnActions fa;
    posix_spawn_file_actions_adddup2(&fa.actions, in.read_end.get(), 0);
    posix_spawn_file_actions_adddup2(&fa.actions, out.write_end.get(), 1);
    posix_spawn_file_actions_adddup2(&fa.actions, err.write_end.get(), 2);
    // The tool starts with default signal handling and nothing blocked, whatever the engine's
    // threads have set up (the CLI blocks SIGINT for its cancel handling).
    SpawnAttr sa;
    sigset_t none, all_default;
    sigemptyset(&none);
    sigemptyset(&all_default);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD})
        sigaddset(&all_default, sig);
    posix_spawnattr_setsigmask(&sa.attr, &none);
    posix_spawnattr_setsigdefault(&sa.attr, &all_default);
    posix_spawnattr_setflags(&sa.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e)
        env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp, args;
    for (auto& e : env_strings)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    for (auto& a : argv_)
        args.push_back(a.data());
    args.push_back(nullptr);

    int rc = ::posix_spawn(&pid_, program.c_str(), &fa.actions, &sa.attr, args.data(), envp.data());
    if (rc != 0) {
        pid_ = -1;
        throw SystemError(rc, "start", program);
    }
    stdin_ = std::move(in.write_end);
    stdout_ = std::move(out.read_end);
    stderr_ = std::move(err.read_end);
}

ChildProcess::~ChildProcess() {
    kill_and_reap();
}

void ChildProcess::kill_and_reap() noexcept {
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

ChildResult ChildProcess::wait(const Progress* progress) {
    ChildResult result;
    size_t written = 0;
    if (input_.empty())
        stdin_.reset();
    else
        set_nonblocking(stdin_.get());
    while (stdout_ || stderr_) {
        if (progress && progress->cancel_requested()) {
            kill_and_reap();
            throw CancelledError(fmt::format("{} cancelled", argv_[0]));
        }
        pollfd fds[3];
        nfds_t n = 0;
        auto add = [&](const UniqueFd& fd, short events) {
            if (fd)
                fds[n++] = {fd.get(), events, 0};
        };
        add(stdin_, POLLOUT);
        add(stdout_, POLLIN);
        add(stderr_, POLLIN);
        // A short timeout so a cancel request is seen while a long tool (mkfs) runs silently.
        int ready = ::poll(fds, n, 200);
        if (ready < 0 && errno != EINTR)
            throw_errno("poll output of", argv_[0]);
        for (nfds_t i = 0; i < n && ready > 0; ++i) {
            if (!fds[i].revents)
                continue;
            if (stdin_ && fds[i].fd == stdin_.get()) {
                ssize_t w;
                {
                    SigpipeBlock guard;
                    w = ::write(stdin_.get(), input_.data() + written, input_.size() - written);
                }
                if (w > 0)
                    written += static_cast<size_t>(w);
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                    written = input_.size();  // the tool closed its stdin; its exit says why
                if (written == input_.size())
                    stdin_.reset();
                continue;
            }
            UniqueFd& fd = (stdout_ && fds[i].fd == stdout_.get()) ? stdout_ : stderr_;
            std::string& sink = (&fd == &stdout_) ? result.stdout_text : result.stderr_text;
            char buf[65536];
            ssize_t r = ::read(fd.get(), buf, sizeof buf);
            if (r > 0)
                sink.append(buf, static_cast<size_t>(r));
            else if (r == 0 || (errno != EINTR && errno != EAGAIN))
                fd.reset();
        }
    }
    stdin_.reset();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR)
            throw_errno("wait for", argv_[0]);
    }
    pid_ = -1;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& step,
                        const std::string& input, const Progress* progress,
                        const std::vector<std::string>& extra_env) {
    ChildProcess child(argv, input, extra_env);
    ChildResult result = child.wait(progress);
    if (result.exit_code != 0) {
        std::string why = last_line(result.stderr_text);
        if (why.empty())
            why = last_line(result.stdout_text);
        throw Error(ErrorKind::Failed, fmt::format("{}: {} failed (exit {}){}{}", step, argv[0],
                                                   result.exit_code, why.empty() ? "" : ": ", why));
    }
    return std::move(result.stdout_text);
}

}  // namespace deploy::util
