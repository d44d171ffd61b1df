// Renders engine progress: a live bar per stage on a terminal, plain lines otherwise.
// Ctrl-C sets a flag the engine polls (cancel_requested) so it stops at a safe point.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "deploy/util/progress.hpp"

namespace deployctl {

class TerminalProgress : public deploy::Progress {
  public:
    // quiet: messages go to stderr (stdout is reserved for --json output).
    explicit TerminalProgress(bool quiet);
    ~TerminalProgress() override;

    void message(const std::string& text) override;
    void task_begin(const std::string& task) override;
    void task_end(const std::string& task) override;
    void percent(const std::string& stage, int value) override;
    bool cancel_requested() const override;

  private:
    void clear_bar();
    bool tty_;
    bool quiet_;
    bool bar_visible_ = false;
    // When each running task began; durations are logged at debug level (DEPLOYD_DEBUG=1).
    std::map<std::string, std::chrono::steady_clock::time_point> started_;
};

}  // namespace deployctl
