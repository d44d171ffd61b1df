#include "rate_limiter.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <sdbus-c++/Error.h>
#include <spdlog/spdlog.h>

#include "deployd/names.hpp"

namespace deployd {

namespace {
// A flood must not flood the journal too.
constexpr auto kLogInterval = std::chrono::seconds(10);
}  // namespace

void RateLimiter::refuse(Bucket& bucket, uid_t uid, const std::string& what,
                         const std::string& why) {
    auto now = Clock::now();
    if (bucket.logged == Clock::time_point() || now - bucket.logged >= kLogInterval) {
        spdlog::warn("rate limited {} for uid {}: {}{}", what, uid, why,
                     bucket.unlogged
                         ? fmt::format(" ({} more refusals not logged)", bucket.unlogged)
                         : std::string());
        bucket.logged = now;
        bucket.unlogged = 0;
    } else {
        ++bucket.unlogged;
    }
    throw sdbus::Error(kRateLimitedError,
                       fmt::format("rate limited: {} for uid {}: {}; retry later", what, uid, why));
}

RateLimiter::Ticket::~Ticket() {
    if (limiter_)
        limiter_->release(uid_);
}

std::shared_ptr<RateLimiter::Ticket> RateLimiter::admit(uid_t uid, const std::string& what) {
    if (uid == 0)
        return std::shared_ptr<Ticket>(new Ticket(nullptr, uid));
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    auto [it, fresh] = buckets_.try_emplace(uid);
    auto& bucket = it->second;
    if (fresh) {
        bucket.tokens = limits_.burst;
    } else {
        std::chrono::duration<double> rested = now - bucket.refilled;
        bucket.tokens =
            std::min(limits_.burst, bucket.tokens + rested.count() * limits_.per_second);
    }
    bucket.refilled = now;
    if (bucket.in_flight >= limits_.in_flight_per_uid)
        refuse(bucket, uid, what, fmt::format("{} calls already in progress", bucket.in_flight));
    if (in_flight_total_ >= limits_.in_flight_total)
        refuse(bucket, uid, what, "too many read calls of unprivileged users in progress");
    if (bucket.tokens < 1)
        refuse(bucket, uid, what, fmt::format("more than {} calls per second", limits_.per_second));
    bucket.tokens -= 1;
    ++bucket.in_flight;
    ++in_flight_total_;
    return std::shared_ptr<Ticket>(new Ticket(this, uid));
}

void RateLimiter::release(uid_t uid) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(uid);
    if (it == buckets_.end())
        return;
    --it->second.in_flight;
    --in_flight_total_;
    // A uid with nothing in flight and a full bucket carries no state: forget it, so the map
    // stays as small as the set of active callers.
    std::chrono::duration<double> rested = Clock::now() - it->second.refilled;
    if (it->second.in_flight == 0 &&
        it->second.tokens + rested.count() * limits_.per_second >= limits_.burst)
        buckets_.erase(it);
}

}  // namespace deployd
