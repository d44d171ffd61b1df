// The sysroot writer lock refuses a lock file it could not safely truncate: a hardlink to another
// file, a symlink, a fifo, a file owned by someone else. The error is one line naming the path, and
// whatever the name pointed at is left untouched.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/lock.hpp"
#include "error_of.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using Catch::Matchers::Contains;

namespace {

const std::string kVictim = "precious contents\n";

// The message of the InvalidError that taking the lock throws.
std::string refusal(const test::TempDir& tmp) {
    try {
        WriterLock lock(tmp.fd(), ".lock", tmp / ".lock", "test");
    } catch (const InvalidError& e) {
        return e.what();
    }
    FAIL("the lock was taken");
    return "";
}

void check_one_line_naming(const std::string& message, const test::TempDir& tmp) {
    CHECK_THAT(message, Contains("lock file " + tmp / ".lock"));
    CHECK(message.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("writer lock: taken, busy for a second writer, released", "[util]") {
    test::TempDir tmp;
    {
        WriterLock lock(tmp.fd(), ".lock", tmp / ".lock", "upgrade");
        CHECK_THAT(fs::read_file_at(tmp.fd(), ".lock"), Contains("upgrade"));
        CHECK_THAT(
            error_of<BusyError>([&] { WriterLock(tmp.fd(), ".lock", tmp / ".lock", "other"); }),
            Contains("pid " + std::to_string(::getpid())));
    }
    WriterLock again(tmp.fd(), ".lock", tmp / ".lock", "again");
}

TEST_CASE("writer lock: a hardlink to another file is refused, the file untouched", "[util]") {
    test::TempDir tmp;
    fs::write_file_atomic(tmp.fd(), "victim", kVictim, 0600);
    REQUIRE(::linkat(tmp.fd(), "victim", tmp.fd(), ".lock", 0) == 0);
    std::string message = refusal(tmp);
    check_one_line_naming(message, tmp);
    CHECK_THAT(message, Contains("2 hard links"));
    CHECK(fs::read_file_at(tmp.fd(), "victim") == kVictim);
}

TEST_CASE("writer lock: a symlink is refused, its target untouched", "[util]") {
    test::TempDir tmp;
    fs::write_file_atomic(tmp.fd(), "victim", kVictim, 0600);
    REQUIRE(::symlinkat("victim", tmp.fd(), ".lock") == 0);
    std::string message = refusal(tmp);
    check_one_line_naming(message, tmp);
    CHECK_THAT(message, Contains("symbolic link"));
    CHECK(fs::read_file_at(tmp.fd(), "victim") == kVictim);
}

TEST_CASE("writer lock: a fifo is refused without hanging", "[util]") {
    test::TempDir tmp;
    REQUIRE(::mkfifoat(tmp.fd(), ".lock", 0600) == 0);
    std::string message = refusal(tmp);
    check_one_line_naming(message, tmp);
    CHECK_THAT(message, Contains("not a regular file"));
}

TEST_CASE("writer lock: a lock file owned by another user is refused", "[util]") {
    if (::geteuid() != 0) {
        WARN("needs root to chown the lock file; skipped");
        return;
    }
    test::TempDir tmp;
    fs::write_file_atomic(tmp.fd(), ".lock", kVictim, 0600);
    REQUIRE(::fchownat(tmp.fd(), ".lock", 65534, 65534, 0) == 0);
    std::string message = refusal(tmp);
    check_one_line_naming(message, tmp);
    CHECK_THAT(message, Contains("owned by uid 65534"));
    CHECK(fs::read_file_at(tmp.fd(), ".lock") == kVictim);
}

TEST_CASE("writer lock: errors name the full path, never a bare .lock", "[util]") {
    test::TempDir tmp;
    REQUIRE(::mkdirat(tmp.fd(), ".lock", 0700) == 0);
    CHECK_THAT(error_of<SystemError>([&] { WriterLock(tmp.fd(), ".lock", tmp / ".lock", "test"); }),
               Contains(tmp / ".lock"));
}
