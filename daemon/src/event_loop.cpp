#include "event_loop.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <spdlog/spdlog.h>

#include "deploy/error.hpp"

namespace deployd {

EventLoop::EventLoop(sdbus::IConnection& bus) : bus_(bus) {
    wakeup_fd_ = deploy::UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wakeup_fd_)
        deploy::throw_errno("cannot create", "eventfd");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    signal_fd_ = deploy::UniqueFd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signal_fd_)
        deploy::throw_errno("cannot create", "signalfd");
}

void EventLoop::post(std::function<void()> fn) {
    {
        std::lock_guard lock(mutex_);
        posted_.push_back(std::move(fn));
    }
    uint64_t one = 1;
    ssize_t n = ::write(wakeup_fd_.get(), &one, sizeof one);
    (void)n;  // EAGAIN only when the counter is saturated: the loop is awake anyway
}

EventLoop::TimerId EventLoop::add_timer(Clock::duration after, std::function<void()> fn) {
    TimerId id = next_timer_++;
    timers_.emplace(Clock::now() + after, Timer{id, std::move(fn)});
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second.id == id) {
            timers_.erase(it);
            return;
        }
    }
}

void EventLoop::dispatch_posted() {
    uint64_t count = 0;
    ssize_t n = ::read(wakeup_fd_.get(), &count, sizeof count);
    (void)n;
    std::vector<std::function<void()>> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(posted_);
    }
    for (auto& fn : batch)
        fn();
}

void EventLoop::dispatch_timers() {
    auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
        auto fn = std::move(timers_.begin()->second.fn);
        timers_.erase(timers_.begin());
        fn();
    }
}

void EventLoop::dispatch_bus() {
    while (bus_.processPendingRequest()) {
    }
}

int EventLoop::poll_timeout_ms() const {
    int64_t timeout = -1;
    auto poll_data = bus_.getEventLoopPollData();
    if (poll_data.timeout_usec != UINT64_MAX) {
        struct timespec ts {};
        ::clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t now_usec = uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
        timeout = poll_data.timeout_usec > now_usec
                      ? int64_t((poll_data.timeout_usec - now_usec + 999) / 1000)
                      : 0;
    }
    if (!timers_.empty()) {
        auto until =
            std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - Clock::now())
                .count();
        if (until < 0)
            until = 0;
        if (timeout < 0 || until < timeout)
            timeout = until;
    }
    return timeout > 60000 ? 60000 : int(timeout);
}

void EventLoop::run_pending() {
    dispatch_posted();
    dispatch_bus();
}

void EventLoop::run_for(Clock::duration duration) {
    add_timer(duration, [this] { quit(); });
    run();
}

void EventLoop::run() {
    quit_ = false;
    while (!quit_) {
        dispatch_bus();
        if (quit_)
            break;
        auto poll_data = bus_.getEventLoopPollData();
        struct pollfd fds[3] = {
            {poll_data.fd, poll_data.events, 0},
            {wakeup_fd_.get(), POLLIN, 0},
            {signal_fd_.get(), POLLIN, 0},
        };
        int r = ::poll(fds, 3, poll_timeout_ms());
        if (r < 0 && errno != EINTR)
            deploy::throw_errno("poll", "event loop");
        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo info {};
            if (::read(signal_fd_.get(), &info, sizeof info) == sizeof info && on_signal_)
                on_signal_(int(info.ssi_signo));
        }
        if (fds[1].revents & POLLIN)
            dispatch_posted();
        dispatch_timers();
    }
}

}  // namespace deployd
