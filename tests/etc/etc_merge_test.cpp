#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "deploy/error.hpp"
#include "deploy/etc/etc_merge.hpp"
#include "deploy/util/fs.hpp"
#include "etc_trees.hpp"

using namespace deploy;
using deploy::etc::EtcChange;
using deploy::test::EtcTrees;
using Changes = std::vector<EtcChange>;
using Paths = std::vector<std::string>;

TEST_CASE("untouched files follow the new defaults; new defaults appear", "[etc]") {
    EtcTrees t;
    t.default_file("os-release.conf", "v1");
    EtcTrees::put(t.new_defaults.get(), "os-release.conf", "v2");
    EtcTrees::put(t.new_defaults.get(), "fresh/added.conf", "fresh");
    auto result = t.merge();
    CHECK(t.merged("os-release.conf") == "v2");
    CHECK(t.merged("fresh/added.conf") == "fresh");
    CHECK(result.applied.empty());
    CHECK(result.conflicts.empty());
}

TEST_CASE("a file the admin modified is kept whole, as a copy", "[etc]") {
    EtcTrees t;
    t.default_file("hosts", "127.0.0.1 localhost\n");
    EtcTrees::put(t.old_etc.get(), "hosts", "10.0.0.1 db\n", 0600);
    auto result = t.merge();
    CHECK(t.merged("hosts") == "10.0.0.1 db\n");
    CHECK((t.merged_stat("hosts").st_mode & 07777) == 0600);
    CHECK(result.applied == Changes{{'M', "hosts"}});
    CHECK(result.conflicts.empty());
    // A copy, not a hardlink: editing the merged /etc must not reach the old deployment.
    struct stat admin = fs::lstat_at(t.old_etc.get(), "hosts");
    CHECK(t.merged_stat("hosts").st_ino != admin.st_ino);
    CHECK(t.merged_stat("hosts").st_nlink == 1);
}

TEST_CASE("added files and directory trees are carried", "[etc]") {
    EtcTrees t;
    t.default_file("base", "b");
    EtcTrees::put(t.old_etc.get(), "local.conf", "mine");
    EtcTrees::put(t.old_etc.get(), "myapp/conf.d/x.conf", "x", 0640);
    auto result = t.merge();
    CHECK(t.merged("local.conf") == "mine");
    CHECK(t.merged("myapp/conf.d/x.conf") == "x");
    CHECK((t.merged_stat("myapp/conf.d/x.conf").st_mode & 07777) == 0640);
    CHECK(result.applied == Changes{{'A', "local.conf"}, {'A', "myapp"}});
}

TEST_CASE("deleted files and directories stay deleted", "[etc]") {
    EtcTrees t;
    t.default_file("motd", "hello");
    t.default_file("cron.d/a", "a");
    fs::remove_tree_at(t.old_etc.get(), "motd");
    fs::remove_tree_at(t.old_etc.get(), "cron.d");
    auto result = t.merge();
    CHECK_FALSE(t.merged_exists("motd"));
    CHECK_FALSE(t.merged_exists("cron.d"));
    CHECK(result.applied == Changes{{'D', "cron.d"}, {'D', "motd"}});
    CHECK(result.conflicts.empty());
}

TEST_CASE("mode, owner and group changes are carried", "[etc]") {
    EtcTrees t;
    t.default_file("shadow", "root:x", 0640);
    t.default_file("app.conf", "a");
    t.default_file("other.conf", "o");
    REQUIRE(::fchmodat(t.old_etc.get(), "shadow", 0600, 0) == 0);
    REQUIRE(::fchownat(t.old_etc.get(), "app.conf", 1234, 0, AT_SYMLINK_NOFOLLOW) == 0);
    REQUIRE(::fchownat(t.old_etc.get(), "other.conf", 0, 5678, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(t.diff() == Changes{{'M', "app.conf"}, {'M', "other.conf"}, {'M', "shadow"}});
    t.merge();
    CHECK((t.merged_stat("shadow").st_mode & 07777) == 0600);
    CHECK(t.merged_stat("app.conf").st_uid == 1234);
    CHECK(t.merged_stat("other.conf").st_gid == 5678);
}

TEST_CASE("xattr changes are carried on files and directories", "[etc]") {
    EtcTrees t;
    if (!t.user_xattrs_supported()) {
        WARN("user.* xattrs not supported on " << t.tmp.path() << "; skipped");
        return;
    }
    t.default_file("labelled.conf", "l");
    t.default_file("policy.d/p", "p");
    test::set_user_xattr(t.old_etc.get(), "labelled.conf", "user.label", "admin");
    // The old and new defaults label the directory; the admin removed the label.
    for (int fd : {t.old_defaults.get(), t.old_etc.get(), t.new_defaults.get()}) {
        test::set_user_xattr(fd, "policy.d", "user.label", "image");
    }
    {
        UniqueFd dir = fs::open_dir(t.old_etc.get(), "policy.d");
        REQUIRE(::fremovexattr(dir.get(), "user.label") == 0);
    }
    CHECK(t.diff() == Changes{{'M', "labelled.conf"}, {'M', "policy.d"}});
    auto result = t.merge();
    CHECK(fs::read_xattrs_at(t.tmp.fd(), "merged/labelled.conf") ==
          fs::Xattrs{{"user.label", "admin"}});
    CHECK(fs::read_xattrs_at(t.tmp.fd(), "merged/policy.d").count("user.label") == 0);
    CHECK(t.merged("policy.d/p") == "p");
    CHECK(result.conflicts.empty());
}

TEST_CASE("symlink target changes are carried", "[etc]") {
    EtcTrees t;
    t.default_link("localtime", "../usr/share/zoneinfo/UTC");
    EtcTrees::link(t.old_etc.get(), "localtime", "../usr/share/zoneinfo/Europe/Paris");
    CHECK(t.diff() == Changes{{'M', "localtime"}});
    t.merge();
    CHECK(S_ISLNK(t.merged_stat("localtime").st_mode));
    CHECK(t.merged_link("localtime") == "../usr/share/zoneinfo/Europe/Paris");
}

TEST_CASE("a directory's metadata is carried while its children follow the new defaults", "[etc]") {
    EtcTrees t;
    t.default_file("sudoers.d/base", "base");
    REQUIRE(::fchmodat(t.old_etc.get(), "sudoers.d", 0750, 0) == 0);
    EtcTrees::put(t.new_defaults.get(), "sudoers.d/base", "base v2");
    EtcTrees::put(t.new_defaults.get(), "sudoers.d/new", "new");
    auto result = t.merge();
    CHECK((t.merged_stat("sudoers.d").st_mode & 07777) == 0750);
    CHECK(t.merged("sudoers.d/base") == "base v2");
    CHECK(t.merged("sudoers.d/new") == "new");
    CHECK(result.applied == Changes{{'M', "sudoers.d"}});
    CHECK(result.conflicts.empty());
}

TEST_CASE("changes made by both the admin and the new defaults are reported", "[etc]") {
    EtcTrees t;
    t.default_file("sshd_config", "v1");
    t.default_file("same", "v1");
    t.default_file("motd", "v1");
    t.default_file("dropped", "v1");
    t.default_file("cron.d/a", "a");
    EtcTrees::put(t.old_etc.get(), "sshd_config", "admin");
    EtcTrees::put(t.new_defaults.get(), "sshd_config", "v2");
    // The admin made the very change the new image makes: nothing to look at.
    EtcTrees::put(t.old_etc.get(), "same", "v2");
    EtcTrees::put(t.new_defaults.get(), "same", "v2");
    fs::remove_tree_at(t.old_etc.get(), "motd");
    EtcTrees::put(t.new_defaults.get(), "motd", "v2");
    EtcTrees::put(t.old_etc.get(), "dropped", "admin");
    fs::remove_tree_at(t.new_defaults.get(), "dropped");
    fs::remove_tree_at(t.old_etc.get(), "cron.d");
    EtcTrees::put(t.new_defaults.get(), "cron.d/b", "b");
    EtcTrees::put(t.old_etc.get(), "added", "admin");
    EtcTrees::put(t.new_defaults.get(), "added", "image");

    auto result = t.merge();
    CHECK(result.conflicts == Paths{"added", "cron.d", "dropped", "motd", "sshd_config"});
    CHECK(t.merged("sshd_config") == "admin");
    CHECK(t.merged("same") == "v2");
    CHECK(t.merged("dropped") == "admin");
    CHECK(t.merged("added") == "admin");
    CHECK_FALSE(t.merged_exists("motd"));
    CHECK_FALSE(t.merged_exists("cron.d"));
}

TEST_CASE("an admin file under a directory the new defaults dropped keeps its directory", "[etc]") {
    EtcTrees t;
    t.default_file("old-app/app.conf", "v1");
    REQUIRE(::fchmodat(t.old_defaults.get(), "old-app", 0710, 0) == 0);
    REQUIRE(::fchmodat(t.old_etc.get(), "old-app", 0710, 0) == 0);
    EtcTrees::put(t.old_etc.get(), "old-app/app.conf", "admin");
    fs::remove_tree_at(t.new_defaults.get(), "old-app");
    auto result = t.merge();
    CHECK(t.merged("old-app/app.conf") == "admin");
    CHECK((t.merged_stat("old-app").st_mode & 07777) == 0710);
    CHECK(result.conflicts == Paths{"old-app/app.conf"});
}

TEST_CASE("a file in /etc where the new defaults have a directory is a conflict", "[etc]") {
    EtcTrees t;
    t.default_file("keep", "k");
    t.default_file("foo", "v1");
    EtcTrees::put(t.old_etc.get(), "foo", "admin");
    fs::remove_tree_at(t.new_defaults.get(), "foo");
    EtcTrees::put(t.new_defaults.get(), "foo/bar", "dir now");
    CHECK_THROWS_WITH(t.merge(), Catch::Contains("etc/foo is a file in /etc but a directory"));
    CHECK_THROWS_AS(t.merge(), ConflictError);
    CHECK_FALSE(t.merged_exists());
}

TEST_CASE("a directory in /etc where the new defaults have a file is a conflict", "[etc]") {
    EtcTrees t;
    t.default_file("keep", "k");
    EtcTrees::put(t.old_etc.get(), "bar/local.conf", "admin");
    EtcTrees::put(t.new_defaults.get(), "bar", "a file now");
    CHECK_THROWS_WITH(t.merge(), Catch::Contains("etc/bar is a directory in /etc"));
    CHECK_THROWS_AS(t.merge(), ConflictError);
    CHECK_FALSE(t.merged_exists());
}

TEST_CASE("an admin file below a path the new defaults made a file is a conflict", "[etc]") {
    EtcTrees t;
    t.default_file("pam.d/login", "v1");
    EtcTrees::put(t.old_etc.get(), "pam.d/login", "admin");
    fs::remove_tree_at(t.new_defaults.get(), "pam.d");
    EtcTrees::put(t.new_defaults.get(), "pam.d", "file");
    CHECK_THROWS_AS(t.merge(), ConflictError);
    CHECK_FALSE(t.merged_exists());
}

TEST_CASE("the merge never follows a symlink out of the merged tree", "[etc]") {
    EtcTrees t;
    EtcTrees::put(t.tmp.fd(), "outside/f", "precious");
    t.default_file("d/f", "v1");
    t.default_file("d/g", "v1");
    fs::remove_tree_at(t.new_defaults.get(), "d");
    EtcTrees::link(t.new_defaults.get(), "d", t.tmp / "outside");

    SECTION("a deletion below the link is not applied through it") {
        fs::remove_tree_at(t.old_etc.get(), "d/f");
        t.merge();
        CHECK(S_ISLNK(t.merged_stat("d").st_mode));
        CHECK(fs::read_file_at(t.tmp.fd(), "outside/f") == "precious");
    }
    SECTION("a modification below the link is a conflict") {
        EtcTrees::put(t.old_etc.get(), "d/g", "admin");
        CHECK_THROWS_AS(t.merge(), ConflictError);
        CHECK_FALSE(fs::exists_at(t.tmp.fd(), "outside/g"));
        CHECK_FALSE(t.merged_exists());
    }
}

TEST_CASE("an existing destination is refused and left alone", "[etc]") {
    EtcTrees t;
    t.default_file("a", "a");
    EtcTrees::put(t.tmp.fd(), "merged/mine", "keep me");
    CHECK_THROWS_AS(t.merge(), SystemError);
    CHECK(t.merged("mine") == "keep me");
}
