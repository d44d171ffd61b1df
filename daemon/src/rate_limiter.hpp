// Meters read-only calls (GetStatus, EtcDiff) per uid, so that no local user can make the daemon
// slow for root: each non-root uid has a token bucket (a burst, then a steady rate) and a cap on
// calls in flight (queued or running); all non-root uids together have a cap too. uid 0 is never
// metered. Refusals are org.deployd.Deploy1.Error.RateLimited, cheap and immediate.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace deployd {

struct RateLimits {
    double burst = 20;      // tokens a fresh (or rested) uid starts with
    double per_second = 5;  // refill rate
    unsigned in_flight_per_uid = 2;
    unsigned in_flight_total = 8;  // all non-root uids together
};

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    explicit RateLimiter(RateLimits limits = {}) : limits_(limits) {}

    // Releases its call's in-flight slot when destroyed (on any thread).
    class Ticket {
      public:
        ~Ticket();
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;

      private:
        friend class RateLimiter;
        Ticket(RateLimiter* limiter, uid_t uid) : limiter_(limiter), uid_(uid) {}
        RateLimiter* limiter_;  // null for root
        uid_t uid_;
    };

    // Admits one call of `what` by `uid` or throws sdbus::Error(kRateLimitedError).
    std::shared_ptr<Ticket> admit(uid_t uid, const std::string& what);

  private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point refilled;
        unsigned in_flight = 0;
        Clock::time_point logged;  // refusals are logged once per kLogInterval per uid
        unsigned unlogged = 0;
    };
    [[noreturn]] void refuse(Bucket& bucket, uid_t uid, const std::string& what,
                             const std::string& why);
    void release(uid_t uid);

    RateLimits limits_;
    std::mutex mutex_;
    std::map<uid_t, Bucket> buckets_;
    unsigned in_flight_total_ = 0;
};

}  // namespace deployd
