// The daemon's one event loop: poll(2) over the bus connection, an eventfd through which worker
// threads hand work to the loop thread, a signalfd for SIGTERM/SIGINT, and timers. Everything
// that touches the bus runs on the loop thread; workers only post().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include <sdbus-c++/IConnection.h>

#include "deploy/util/fd.hpp"

namespace deployd {

class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    using TimerId = uint64_t;

    // Blocks SIGTERM and SIGINT in the calling thread (call before starting any thread).
    explicit EventLoop(sdbus::IConnection& bus);
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Thread-safe: runs `fn` on the loop thread.
    void post(std::function<void()> fn);
    TimerId add_timer(Clock::duration after, std::function<void()> fn);
    void cancel_timer(TimerId id);

    // Runs until quit() or SIGTERM/SIGINT (which calls on_signal first).
    void run();
    void quit() { quit_ = true; }
    // Runs for `duration` (e.g. to answer calls still queued at shutdown).
    void run_for(Clock::duration duration);
    void set_signal_handler(std::function<void(int)> handler) { on_signal_ = std::move(handler); }
    // Runs what has been posted and flushes the bus, without waiting.
    void run_pending();

  private:
    void dispatch_posted();
    void dispatch_timers();
    void dispatch_bus();
    int poll_timeout_ms() const;

    sdbus::IConnection& bus_;
    deploy::UniqueFd wakeup_fd_;
    deploy::UniqueFd signal_fd_;
    std::mutex mutex_;
    std::vector<std::function<void()>> posted_;
    struct Timer {
        TimerId id;
        std::function<void()> fn;
    };
    std::multimap<Clock::time_point, Timer> timers_;
    TimerId next_timer_ = 1;
    bool quit_ = false;
    std::function<void(int)> on_signal_;
};

}  // namespace deployd
