// An owned child process: argv (no shell), stdin fed from a string, stdout/stderr captured.
// Whoever holds the ChildProcess owns the pid: destroying it before wait() kills and reaps the
// child, so an exception or a cancel never leaves a tool running behind the engine's back.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "deploy/util/fd.hpp"

namespace deploy {

class Progress;

namespace util {

struct ChildResult {
    int exit_code = 0;  // exit status, or 128 + signal when killed by one
    std::string stdout_text;
    std::string stderr_text;
};

class ChildProcess {
  public:
    // Starts argv[0] (looked up with find_program) with stdin from `input` and the environment
    // plus `extra_env` ("NAME=VALUE"); NotFound naming the program when it is absent.
    explicit ChildProcess(std::vector<std::string> argv, std::string input = {},
                          const std::vector<std::string>& extra_env = {});
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    // Feeds stdin, collects the output and reaps the child. With a progress sink, a cancel
    // request kills the child and throws CancelledError.
    ChildResult wait(const Progress* progress = nullptr);

  private:
    void kill_and_reap() noexcept;

    std::vector<std::string> argv_;
    std::string input_;
    pid_t pid_ = -1;
    UniqueFd stdin_;
    UniqueFd stdout_;
    UniqueFd stderr_;
};

// Runs argv to completion; exit != 0 throws Error "<step>: <tool> failed (exit N): <stderr>"
// with the last non-empty stderr line. Returns stdout.
std::string run_checked(const std::vector<std::string>& argv, const std::string& step,
                        const std::string& input = {}, const Progress* progress = nullptr,
                        const std::vector<std::string>& extra_env = {});

// The full path of an executable on PATH, or in /usr/sbin and /sbin (where tools like sfdisk
// live even when a non-root PATH lacks them); "" when absent.
std::string find_program(const std::string& name);

}  // namespace util
}  // namespace deploy
