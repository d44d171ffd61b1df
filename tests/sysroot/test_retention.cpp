// Retention (which deployments a new one keeps) and rollback target selection.
#include <catch2/catch.hpp>

#include "retention.hpp"

using deploy::sysroot::Deployment;
using deploy::sysroot::retained_list;
using deploy::sysroot::rollback_index;

namespace {

Deployment make(char c, int serial = 0, bool booted = false, bool pinned = false) {
    Deployment d;
    d.os = "testos";
    d.commit = std::string(64, c);
    d.serial = serial;
    d.booted = booted;
    d.origin.pinned = pinned;
    return d;
}

std::vector<std::string> ids(const std::vector<Deployment>& list) {
    std::vector<std::string> out;
    for (const auto& d : list)
        out.push_back(d.id());
    return out;
}

}  // namespace

TEST_CASE("first deployment keeps only itself", "[sysroot][retention]") {
    std::vector<std::string> dropped;
    auto list = retained_list(make('a'), {}, dropped);
    CHECK(ids(list) == std::vector<std::string>{make('a').id()});
    CHECK(dropped.empty());
}

TEST_CASE("not booted: the old default becomes the rollback, the rest goes",
          "[sysroot][retention]") {
    std::vector<std::string> dropped;
    auto list = retained_list(make('n'), {make('a'), make('b'), make('c')}, dropped);
    CHECK(ids(list) == std::vector<std::string>{make('n').id(), make('a').id()});
    CHECK(dropped == std::vector<std::string>{make('b').id(), make('c').id()});
}

TEST_CASE("booted deployment is kept as rollback even when it is not the default",
          "[sysroot][retention]") {
    // a = pending (not booted), b = booted, c = old rollback
    std::vector<std::string> dropped;
    auto list = retained_list(make('n'), {make('a'), make('b', 0, true), make('c')}, dropped);
    CHECK(ids(list) == std::vector<std::string>{make('n').id(), make('b').id()});
    CHECK(dropped == std::vector<std::string>{make('a').id(), make('c').id()});
}

TEST_CASE("pinned deployments are kept, after the rollback, in their order",
          "[sysroot][retention]") {
    std::vector<std::string> dropped;
    auto list = retained_list(make('n'),
                              {make('p', 0, false, true), make('a'), make('b', 0, true), make('c'),
                               make('q', 0, false, true)},
                              dropped);
    CHECK(ids(list) ==
          std::vector<std::string>{make('n').id(), make('b').id(), make('p').id(), make('q').id()});
    CHECK(dropped == std::vector<std::string>{make('a').id(), make('c').id()});
}

TEST_CASE("a pinned booted deployment is listed once", "[sysroot][retention]") {
    std::vector<std::string> dropped;
    auto list = retained_list(make('n'), {make('a'), make('b', 0, true, true)}, dropped);
    CHECK(ids(list) == std::vector<std::string>{make('n').id(), make('b').id()});
    CHECK(dropped == std::vector<std::string>{make('a').id()});
}

TEST_CASE("same commit, different serials are different deployments", "[sysroot][retention]") {
    std::vector<std::string> dropped;
    auto list = retained_list(make('a', 2), {make('a', 1, true), make('a', 0)}, dropped);
    CHECK(ids(list) == std::vector<std::string>{make('a', 2).id(), make('a', 1).id()});
    CHECK(dropped == std::vector<std::string>{make('a', 0).id()});
}

TEST_CASE("rollback target", "[sysroot][rollback]") {
    SECTION("one deployment: none") {
        CHECK_FALSE(rollback_index({make('a')}).has_value());
        CHECK_FALSE(rollback_index({make('a', 0, true)}).has_value());
        CHECK_FALSE(rollback_index({}).has_value());
    }
    SECTION("not booted: the second entry") {
        CHECK(rollback_index({make('a'), make('b'), make('c')}) == std::optional<size_t>(1));
    }
    SECTION("booted default: the second entry") {
        CHECK(rollback_index({make('a', 0, true), make('b')}) == std::optional<size_t>(1));
    }
    SECTION("pending update: the booted one") {
        CHECK(rollback_index({make('a'), make('b'), make('c', 0, true)}) ==
              std::optional<size_t>(2));
        CHECK(rollback_index({make('a'), make('b', 0, true)}) == std::optional<size_t>(1));
    }
}
