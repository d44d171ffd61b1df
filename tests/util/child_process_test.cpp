#include <signal.h>
#include <sys/types.h>

#include <catch2/catch.hpp>

#include "deploy/error.hpp"
#include "deploy/util/child_process.hpp"
#include "deploy/util/progress.hpp"

using deploy::util::ChildProcess;
using deploy::util::run_checked;

TEST_CASE("run_checked returns stdout and feeds stdin", "[util][child]") {
    CHECK(run_checked({"echo", "hello"}, "echo") == "hello\n");
    // More than a pipe buffer each way: stdin and stdout are serviced together, no deadlock.
    std::string big(1 << 20, 'x');
    CHECK(run_checked({"cat"}, "cat", big) == big);
}

TEST_CASE("a failing tool is one error naming the step, tool, exit and stderr", "[util][child]") {
    try {
        run_checked({"sh", "-c", "echo noise >&2; echo 'bad thing' >&2; exit 3"}, "make it");
        FAIL("no error");
    } catch (const deploy::Error& e) {
        CHECK(std::string(e.what()) == "make it: sh failed (exit 3): bad thing");
    }
    CHECK_THROWS_AS(run_checked({"no-such-tool-xyz"}, "x"), deploy::NotFoundError);
}

TEST_CASE("destroying a running child kills and reaps it", "[util][child]") {
    pid_t pid;
    {
        ChildProcess child({"sleep", "100"});
        pid = child.pid();
        REQUIRE(::kill(pid, 0) == 0);
    }
    // Reaped: the pid no longer exists (not even as a zombie of ours).
    CHECK(::kill(pid, 0) == -1);
}

TEST_CASE("a cancel request kills the child", "[util][child]") {
    struct Cancelled : deploy::Progress {
        bool cancel_requested() const override { return true; }
    } progress;
    ChildProcess child({"sleep", "100"});
    CHECK_THROWS_AS(child.wait(&progress), deploy::CancelledError);
}
