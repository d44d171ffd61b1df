// fsck: a healthy store is clean; each kind of damage is one line naming the object.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "repo_fixture.hpp"

using namespace deploy;
using namespace deploy::repo;
using deploy::test::RepoFixture;
using deploy::test::write_file;

namespace {

bool any_line_has(const FsckResult& result, const std::string& a, const std::string& b = "") {
    for (const auto& line : result.errors) {
        if (line.find(a) != std::string::npos && line.find(b) != std::string::npos)
            return true;
    }
    return false;
}

}  // namespace

TEST_CASE("fsck of a healthy store finds nothing and reports progress", "[repo]") {
    RepoFixture f;
    for (int i = 0; i < 300; ++i) {
        write_file(f.tmp.fd(), "src/usr/share/f" + std::to_string(i), std::to_string(i));
    }
    REQUIRE(::symlinkat("share/f1", f.tmp.fd(), "src/usr/link") == 0);
    f.commit("src", "main");
    f.commit("src", "other");

    FsckResult result = fsck(f.repo, f.progress);
    CHECK(result.errors.empty());
    CHECK(result.objects_checked == f.count_objects());
    CHECK(f.progress.last_percent["fsck"] == 100);
}

TEST_CASE("fsck reports missing and corrupt objects per ref", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/lib/a", "a");
    write_file(f.tmp.fd(), "src/usr/bin/b", "b");
    CommitResult c = f.commit("src", "main");
    TreeEntry lib = lookup_path(f.repo, c.commit, "usr/lib");
    TreeEntry b = lookup_path(f.repo, c.commit, "usr/bin/b");

    SECTION("missing dirtree") {
        fs::remove_tree_at(f.tmp.fd(), f.object_path(lib.checksum, ObjectType::DirTree));
        FsckResult result = fsck(f.repo, f.progress);
        REQUIRE(result.errors.size() == 1);
        CHECK_THAT(result.errors[0],
                   Catch::StartsWith(fmt::format("commit {} (ref main): missing dirtree {}",
                                                 c.commit, lib.checksum)));
    }
    SECTION("missing file object, named with its path") {
        fs::remove_tree_at(f.tmp.fd(), f.object_path(b.checksum, ObjectType::File));
        FsckResult result = fsck(f.repo, f.progress);
        REQUIRE(result.errors.size() == 1);
        CHECK(any_line_has(result, "missing file " + b.checksum, "usr/bin/b"));
    }
    SECTION("missing commit") {
        fs::remove_tree_at(f.tmp.fd(), f.object_path(c.commit, ObjectType::Commit));
        FsckResult result = fsck(f.repo, f.progress);
        CHECK(any_line_has(result, "ref main", c.commit));
    }
    SECTION("a partial commit may lack its tree") {
        fs::remove_tree_at(f.tmp.fd(), f.object_path(lib.checksum, ObjectType::DirTree));
        f.repo.mark_partial(c.commit, true);
        CHECK(fsck(f.repo, f.progress).errors.empty());
    }
    SECTION("a touched object (mtime set) is reported though its content is intact") {
        std::string path = f.object_path(b.checksum, ObjectType::File);
        REQUIRE(::utimensat(f.tmp.fd(), path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0);
        FsckResult result = fsck(f.repo, f.progress);
        REQUIRE(result.errors.size() == 2);
        CHECK(any_line_has(result, "file object " + b.checksum, "modification time"));
        CHECK(any_line_has(result, "(ref main): touched file " + b.checksum, "/usr/bin/b"));
    }
    SECTION("a stray file in objects/ is reported") {
        write_file(f.tmp.fd(), "repo/objects/zz/junk", "junk");
        CHECK(any_line_has(fsck(f.repo, f.progress), "objects/zz/junk"));
    }
}
