#include "terminal_progress.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace deployctl {

namespace {
std::atomic<bool> g_interrupted{false};
void on_sigint(int) {
    g_interrupted = true;
}
}  // namespace

TerminalProgress::TerminalProgress(bool quiet) : tty_(::isatty(STDERR_FILENO) != 0), quiet_(quiet) {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
}

TerminalProgress::~TerminalProgress() {
    clear_bar();
}

void TerminalProgress::clear_bar() {
    if (bar_visible_) {
        std::fputs("\r\033[K", stderr);
        bar_visible_ = false;
    }
}

void TerminalProgress::message(const std::string& text) {
    clear_bar();
    std::FILE* out = quiet_ ? stderr : stdout;
    std::fprintf(out, "%s\n", text.c_str());
    std::fflush(out);
}

void TerminalProgress::task_begin(const std::string& task) {
    started_[task] = std::chrono::steady_clock::now();
    if (tty_) {
        clear_bar();
        std::fprintf(stderr, "\r\033[K%s...", task.c_str());
        bar_visible_ = true;
    }
}

void TerminalProgress::task_end(const std::string& task) {
    clear_bar();
    if (auto it = started_.find(task); it != started_.end()) {
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            it->second);
        spdlog::debug("{}: {:.1f} ms", task, ms.count());
        started_.erase(it);
    }
}

void TerminalProgress::percent(const std::string& stage, int value) {
    if (!tty_)
        return;
    // Stages report 0-100; anything outside (a stage counting more steps than it announced)
    // must not break the bar.
    value = std::clamp(value, 0, 100);
    int width = 30;
    int filled = value * width / 100;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), '.');
    std::fprintf(stderr, "\r\033[K%-10s [%s] %3d%%", stage.c_str(), bar.c_str(), value);
    std::fflush(stderr);
    bar_visible_ = true;
}

bool TerminalProgress::cancel_requested() const {
    return g_interrupted.load();
}

}  // namespace deployctl
