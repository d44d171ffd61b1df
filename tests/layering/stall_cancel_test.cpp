// A stalled mirror or a hung scriptlet cannot hold a transaction: downloads give up on their own
// (connect/low-speed timeouts) and stop on cancel, and the sandbox's read loop stops on cancel.
// The mirror is a real server on 127.0.0.1 (python3) that accepts connections and never answers.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "fetch.hpp"
#include "sandbox.hpp"
#include "scoped_env.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using namespace std::chrono;

namespace {

// python3 listening on an ephemeral port; it accepts every connection, keeps it open and sends
// nothing. Killed and reaped on destruction.
class SilentServer {
  public:
    SilentServer() {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::close(out[0]);
            ::close(out[1]);
            const char* script =
                "import socket,sys\n"
                "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(16)\n"
                "print(s.getsockname()[1], flush=True)\n"
                "held=[]\n"
                "while True: held.append(s.accept())\n";
            ::execlp("python3", "python3", "-c", script, static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        // Read up to the newline, and keep the pipe open while the server lives: python may
        // write the number and the newline separately, and a closed pipe kills it.
        stdout_ = out[0];
        std::string line;
        char c = 0;
        while (::read(stdout_, &c, 1) == 1 && c != '\n')
            line += c;
        REQUIRE(!line.empty());
        port_ = std::atoi(line.c_str());
    }
    ~SilentServer() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        ::close(stdout_);
    }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

  private:
    pid_t pid_ = -1;
    int stdout_ = -1;
    int port_ = 0;
};

// Asks for cancellation once `after` has passed since construction.
class CancelAfter : public Progress {
  public:
    explicit CancelAfter(milliseconds after) : deadline_(steady_clock::now() + after) {}
    bool cancel_requested() const override { return steady_clock::now() >= deadline_; }

  private:
    steady_clock::time_point deadline_;
};

double seconds_since(steady_clock::time_point start) {
    return duration<double>(steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a download from a server that never answers stops on cancel", "[fetch]") {
    SilentServer server;
    test::TempDir dir;
    CancelAfter progress(milliseconds(300));
    auto start = steady_clock::now();
    REQUIRE_THROWS_AS(layering::fetch_to_local(server.url("/repodata/repomd.xml"),
                                               dir.path() + "/repomd.xml", progress),
                      CancelledError);
    CHECK(seconds_since(start) < 5.0);
    // Nothing is left behind: no partial file, no cache entry.
    CHECK(::access((dir.path() + "/repomd.xml.part").c_str(), F_OK) != 0);
    CHECK(::access((dir.path() + "/repomd.xml").c_str(), F_OK) != 0);
}

TEST_CASE("a download from a server that never answers times out on its own", "[fetch]") {
    SilentServer server;
    test::TempDir dir;
    ScopedEnv timeout("DEPLOYD_TEST_NET_TIMEOUT_S", "1");
    Progress never_cancels;
    auto start = steady_clock::now();
    try {
        layering::fetch_to_local(server.url("/x.rpm"), dir.path() + "/x.rpm", never_cancels);
        FAIL("download succeeded");
    } catch (const CancelledError&) {
        FAIL("a timeout is not a cancellation");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("cannot download " + server.url("/x.rpm")));
    }
    CHECK(seconds_since(start) < 10.0);
    CHECK(::access((dir.path() + "/x.rpm.part").c_str(), F_OK) != 0);
}

TEST_CASE("the sandbox read loop stops a silent helper on cancel", "[sandbox]") {
    test::TempDir dir;
    // A helper that never reports anything, like a scriptlet stuck in a loop. The sandbox sees
    // the host read-only, so a script on the host runs inside it.
    std::string helper = dir.path() + "/stuck-helper";
    fs::write_file_atomic(dir.fd(), "stuck-helper", "#!/bin/sh\nexec sleep 600\n");
    REQUIRE(::chmod(helper.c_str(), 0755) == 0);
    ScopedEnv seam("DEPLOYD_RPM_HELPER", helper);
    CancelAfter progress(milliseconds(500));
    layering::sandbox::HelperRequest request;
    request.transaction.root = dir.path();
    auto start = steady_clock::now();
    REQUIRE_THROWS_AS(layering::sandbox::run(dir.path(), request, progress), CancelledError);
    CHECK(seconds_since(start) < 5.0);
}
