#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "read_pool.hpp"

using namespace std::chrono_literals;

TEST_CASE("root's read calls are served while unprivileged ones occupy their share",
          "[daemon][readpool]") {
    deployd::ReadPool pool(2);
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<void> first_running, second_ran, root_ran;
    // One unprivileged call blocks its worker; a second one must wait (the other worker is kept
    // for root) while root's call goes through.
    pool.submit(false, [&, released] {
        first_running.set_value();
        released.wait();
    });
    first_running.get_future().wait();
    pool.submit(false, [&] { second_ran.set_value(); });
    pool.submit(true, [&] { root_ran.set_value(); });
    CHECK(root_ran.get_future().wait_for(5s) == std::future_status::ready);
    auto second = second_ran.get_future();
    CHECK(second.wait_for(100ms) == std::future_status::timeout);
    release.set_value();
    CHECK(second.wait_for(5s) == std::future_status::ready);
}

TEST_CASE("a failing job does not take its worker down", "[daemon][readpool]") {
    deployd::ReadPool pool(1);
    pool.submit(false, [] { throw std::runtime_error("boom"); });
    std::promise<void> ran;
    pool.submit(false, [&] { ran.set_value(); });
    CHECK(ran.get_future().wait_for(5s) == std::future_status::ready);
}
