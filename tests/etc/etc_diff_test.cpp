#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy/error.hpp"
#include "deploy/etc/etc_merge.hpp"
#include "deploy/util/fs.hpp"
#include "etc_trees.hpp"

using namespace deploy;
using deploy::etc::EtcChange;
using deploy::test::EtcTrees;
using Changes = std::vector<EtcChange>;

TEST_CASE("diff_etc lists the admin's changes sorted by path", "[etc]") {
    EtcTrees t;
    t.default_file("a.conf", "a");
    t.default_file("b.conf", "b");
    t.default_file("dir/x", "x");
    t.default_file("dir/y", "y");
    t.default_file("gone.d/z", "z");
    t.default_file("same-size", "1234");
    EtcTrees::put(t.old_etc.get(), "b.conf", "changed");
    EtcTrees::put(t.old_etc.get(), "same-size", "4321");
    EtcTrees::put(t.old_etc.get(), "dir/new", "n");
    fs::remove_tree_at(t.old_etc.get(), "dir/x");
    fs::remove_tree_at(t.old_etc.get(), "gone.d");
    EtcTrees::put(t.old_etc.get(), "added.d/one", "1");
    EtcTrees::put(t.old_etc.get(), "added.d/two", "2");
    CHECK(t.diff() == Changes{{'A', "added.d"},
                              {'M', "b.conf"},
                              {'A', "dir/new"},
                              {'D', "dir/x"},
                              {'D', "gone.d"},
                              {'M', "same-size"}});
}

TEST_CASE("diff_etc sees a type change and ignores timestamps and shared inodes", "[etc]") {
    EtcTrees t;
    t.default_file("plain", "p");
    t.default_file("retyped", "r");
    EtcTrees::link(t.old_etc.get(), "retyped", "plain");
    // A hardlink of the default is the same file by definition.
    REQUIRE(::linkat(t.old_defaults.get(), "plain", t.old_etc.get(), "hardlinked", 0) == 0);
    REQUIRE(::linkat(t.old_defaults.get(), "plain", t.old_defaults.get(), "hardlinked", 0) == 0);
    struct timespec times[2] = {{1, 0}, {1, 0}};
    REQUIRE(::utimensat(t.old_etc.get(), "plain", times, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(t.diff() == Changes{{'M', "retyped"}});
}

TEST_CASE("device nodes, fifos and sockets in /etc are refused", "[etc]") {
    EtcTrees t;
    t.default_file("a", "a");

    SECTION("in the admin's /etc") {
        EtcTrees::put(t.old_etc.get(), "sub/keep", "k");
        REQUIRE(::mkfifoat(t.old_etc.get(), "sub/pipe", 0600) == 0);
        CHECK_THROWS_AS(t.diff(), InvalidError);
        CHECK_THROWS_WITH(t.merge(), Catch::Contains("etc/sub/pipe"));
        CHECK_THROWS_AS(t.merge(), InvalidError);
    }
    SECTION("in the new defaults") {
        REQUIRE(::mkfifoat(t.new_defaults.get(), "pipe", 0600) == 0);
        CHECK_THROWS_WITH(t.merge(), Catch::Contains("etc/pipe"));
        CHECK_THROWS_AS(t.merge(), InvalidError);
    }
    CHECK_FALSE(t.merged_exists());
}
