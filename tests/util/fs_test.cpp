#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"
#include "deploy/util/sha256.hpp"
#include "temp_dir.hpp"

using namespace deploy;

TEST_CASE("sha256 of known input", "[util]") {
    CHECK(Sha256::hex_of("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(is_valid_checksum(Sha256::hex_of("")));
    CHECK_FALSE(is_valid_checksum("abc"));
    CHECK(from_hex(to_hex("\x01\xff")) == "\x01\xff");
}

TEST_CASE("path validation rejects hostile names", "[util]") {
    CHECK(path::is_valid_name("etc"));
    CHECK_FALSE(path::is_valid_name(""));
    CHECK_FALSE(path::is_valid_name(".."));
    CHECK_FALSE(path::is_valid_name("a/b"));
    CHECK_THROWS_AS(path::split_relative("a/../b"), InvalidError);
    CHECK(path::split_relative("/usr//lib/") == std::vector<std::string>{"usr", "lib"});
}

TEST_CASE("atomic write, copy and remove trees", "[util]") {
    test::TempDir tmp;
    fs::mkdir_p_at(tmp.fd(), "a/b/c");
    fs::write_file_atomic(tmp.fd(), "a/b/c/file", "hello", 0640);
    CHECK(fs::read_file_at(tmp.fd(), "a/b/c/file") == "hello");
    CHECK((fs::lstat_at(tmp.fd(), "a/b/c/file").st_mode & 07777) == 0640);
    REQUIRE(::symlinkat("../../outside", tmp.fd(), "a/link") == 0);
    fs::copy_tree_at(tmp.fd(), "a", tmp.fd(), "copy");
    CHECK(fs::read_file_at(tmp.fd(), "copy/b/c/file") == "hello");
    CHECK(S_ISLNK(fs::lstat_at(tmp.fd(), "copy/link").st_mode));
    fs::remove_tree_at(tmp.fd(), "a");
    CHECK_FALSE(fs::exists_at(tmp.fd(), "a"));
    CHECK_THROWS_AS(fs::open_dir(tmp.fd(), "copy/link"), SystemError);
}
