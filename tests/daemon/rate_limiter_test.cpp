#include <catch2/catch.hpp>

#include <sdbus-c++/Error.h>

#include "deployd/names.hpp"
#include "rate_limiter.hpp"

using deployd::RateLimiter;
using deployd::RateLimits;

namespace {

// The error name of a refused admission, "" when admitted (the ticket is dropped at once).
std::string refusal(RateLimiter& limiter, uid_t uid) {
    try {
        limiter.admit(uid, "GetStatus");
    } catch (const sdbus::Error& e) {
        return e.getName();
    }
    return "";
}

}  // namespace

TEST_CASE("a non-root uid gets its burst, then is refused until tokens come back",
          "[daemon][ratelimit]") {
    RateLimiter limiter(RateLimits{3, 0.001, 2, 8});
    CHECK(refusal(limiter, 1000) == "");
    CHECK(refusal(limiter, 1000) == "");
    CHECK(refusal(limiter, 1000) == "");
    CHECK(refusal(limiter, 1000) == deployd::kRateLimitedError);
    // Buckets are per uid.
    CHECK(refusal(limiter, 1001) == "");
}

TEST_CASE("root is never limited", "[daemon][ratelimit]") {
    RateLimiter limiter(RateLimits{1, 0.001, 1, 1});
    for (int i = 0; i < 100; ++i)
        REQUIRE(refusal(limiter, 0) == "");
    std::vector<std::shared_ptr<RateLimiter::Ticket>> held;
    for (int i = 0; i < 10; ++i)
        held.push_back(limiter.admit(0, "EtcDiff"));
    CHECK(refusal(limiter, 1000) == "");
}

TEST_CASE("calls in flight are capped per uid and for all non-root uids together",
          "[daemon][ratelimit]") {
    RateLimiter limiter(RateLimits{100, 100, 2, 3});
    auto a = limiter.admit(1000, "EtcDiff");
    auto b = limiter.admit(1000, "EtcDiff");
    try {
        limiter.admit(1000, "EtcDiff");
        FAIL("a third call in flight was admitted");
    } catch (const sdbus::Error& e) {
        CHECK(e.getName() == deployd::kRateLimitedError);
        CHECK(e.getMessage().find("rate limited: EtcDiff for uid 1000: 2 calls already in "
                                  "progress") == 0);
    }
    auto c = limiter.admit(1001, "GetStatus");
    CHECK(refusal(limiter, 1002) == deployd::kRateLimitedError);  // total of 3 reached
    a.reset();                                                    // a finished call frees its slot
    CHECK(refusal(limiter, 1002) == "");
    CHECK(refusal(limiter, 1000) == "");
}
