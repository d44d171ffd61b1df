#include "read_pool.hpp"

#include <spdlog/spdlog.h>

namespace deployd {

ReadPool::ReadPool(unsigned workers) : unprivileged_cap_(workers > 1 ? workers - 1 : 1) {
    for (unsigned i = 0; i < workers; ++i)
        threads_.emplace_back([this] { work(); });
}

ReadPool::~ReadPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        privileged_.clear();
        unprivileged_.clear();
    }
    wake_.notify_all();
    for (auto& thread : threads_)
        thread.join();
}

void ReadPool::submit(bool privileged, std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        (privileged ? privileged_ : unprivileged_).push_back(std::move(job));
    }
    wake_.notify_one();
}

void ReadPool::work() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] {
            return stopping_ || !privileged_.empty() ||
                   (!unprivileged_.empty() && unprivileged_running_ < unprivileged_cap_);
        });
        if (stopping_)
            return;
        bool privileged = !privileged_.empty();
        auto& queue = privileged ? privileged_ : unprivileged_;
        auto job = std::move(queue.front());
        queue.pop_front();
        if (!privileged)
            ++unprivileged_running_;
        lock.unlock();
        try {
            job();
        } catch (const std::exception& e) {
            spdlog::error("read-only call failed unexpectedly: {}", e.what());
        }
        job = nullptr;  // its captures (reply, ticket) go before the next job starts
        lock.lock();
        if (!privileged) {
            --unprivileged_running_;
            // A worker that skipped unprivileged work because of the cap may take it now.
            wake_.notify_all();
        }
    }
}

}  // namespace deployd
