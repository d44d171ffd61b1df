// Worker threads for read-only calls (GetStatus, EtcDiff), so that their I/O never blocks the
// event loop: the loop thread authorizes and meters the call, a worker does the work, and the
// reply is posted back to the loop thread (which alone touches the bus).
//
// Root's calls go first, and unprivileged calls may occupy all workers but one, so an admin's
// `status` never queues behind other users' work.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace deployd {

class ReadPool {
  public:
    explicit ReadPool(unsigned workers = 2);
    ~ReadPool();  // drops what is queued, waits for what runs
    ReadPool(const ReadPool&) = delete;
    ReadPool& operator=(const ReadPool&) = delete;

    void submit(bool privileged, std::function<void()> job);

  private:
    void work();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> privileged_;
    std::deque<std::function<void()>> unprivileged_;
    unsigned unprivileged_running_ = 0;
    unsigned unprivileged_cap_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace deployd
