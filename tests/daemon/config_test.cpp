#include <catch2/catch.hpp>

#include "config.hpp"
#include "deploy/error.hpp"

using deployd::AutomaticUpdatePolicy;
using deployd::parse_config;

TEST_CASE("an empty configuration gives the defaults", "[daemon][config]") {
    auto config = parse_config("", "deployd.conf");
    CHECK(config.idle_exit_seconds == 60);
    CHECK(config.automatic_update_policy == AutomaticUpdatePolicy::None);
}

TEST_CASE("known keys are read, comments and blanks skipped", "[daemon][config]") {
    auto config = parse_config(
        "# c\n\n[Daemon]\n IdleExitTimeout = 0 \nAutomaticUpdatePolicy=stage\n", "deployd.conf");
    CHECK(config.idle_exit_seconds == 0);
    CHECK(config.automatic_update_policy == AutomaticUpdatePolicy::Stage);
}

TEST_CASE("unknown keys, sections and values are errors naming the line", "[daemon][config]") {
    auto message = [](const std::string& text) {
        try {
            parse_config(text, "f.conf");
        } catch (const deploy::InvalidError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("[Daemon]\nIdle=1\n").find("f.conf:2: unknown key 'Idle'") == 0);
    CHECK(message("[Other]\n").find("f.conf:1: unknown section [Other]") == 0);
    CHECK(message("[Daemon]\nIdleExitTimeout=-1\n").find("f.conf:2: IdleExitTimeout") == 0);
    CHECK(message("[Daemon]\nIdleExitTimeout=5s\n").find("f.conf:2: IdleExitTimeout") == 0);
    CHECK(message("[Daemon]\nAutomaticUpdatePolicy=Check\n").find("must be none, check or stage") !=
          std::string::npos);
    CHECK(message("IdleExitTimeout=1\n").find("outside of [Daemon]") != std::string::npos);
    CHECK(message("[Daemon]\njunk\n").find("expected KEY=VALUE") != std::string::npos);
    CHECK(message("[Daemon\n").find("malformed section") != std::string::npos);
    CHECK(
        message("[Daemon]\nUnprivilegedReadBurst=1.5\n").find("f.conf:2: UnprivilegedReadBurst") ==
        0);
    CHECK(message("[Daemon]\nUnprivilegedReadRate=0\n").find("f.conf:2: UnprivilegedReadRate") ==
          0);
    CHECK(message("[Daemon]\nUnprivilegedReadRate=fast\n").find("must be a positive number") !=
          std::string::npos);
}

TEST_CASE("read limits for unprivileged callers are configurable", "[daemon][config]") {
    auto defaults = parse_config("", "deployd.conf");
    CHECK(defaults.read_limits.burst == 20);
    CHECK(defaults.read_limits.per_second == 5);
    auto config =
        parse_config("[Daemon]\nUnprivilegedReadBurst=3\nUnprivilegedReadRate=0.25\n", "d.conf");
    CHECK(config.read_limits.burst == 3);
    CHECK(config.read_limits.per_second == 0.25);
}

TEST_CASE("a missing optional file gives the defaults, a missing given file fails",
          "[daemon][config]") {
    CHECK(deployd::load_config("/nonexistent/deployd.conf", false).idle_exit_seconds == 60);
    CHECK_THROWS_AS(deployd::load_config("/nonexistent/deployd.conf", true), deploy::Error);
}
