#include "deploy/util/thread_pool.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace deploy {

unsigned worker_count() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 2 : n;
}

void parallel_for(size_t n, const std::function<void(size_t)>& fn) {
    unsigned workers = static_cast<unsigned>(std::min<size_t>(worker_count(), n));
    if (workers <= 1) {
        for (size_t i = 0; i < n; ++i) {
            fn(i);
        }
        return;
    }
    std::atomic<size_t> next{0};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    auto run = [&] {
        for (;;) {
            size_t i = next.fetch_add(1);
            if (i >= n) {
                return;
            }
            try {
                fn(i);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!first_error) {
                    first_error = std::current_exception();
                }
                next.store(n);  // stop handing out work
                return;
            }
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(workers - 1);
    for (unsigned w = 1; w < workers; ++w) {
        threads.emplace_back(run);
    }
    run();
    for (auto& t : threads) {
        t.join();
    }
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

}  // namespace deploy
