// Hostile or damaged store content: refused with an error naming the object, never followed
// outside the checkout destination, never silently used.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "repo_fixture.hpp"

using namespace deploy;
using namespace deploy::repo;
using deploy::test::RepoFixture;
using deploy::test::write_file;

namespace {

// A commit whose root is the given hand-written dirtree JSON.
std::string commit_raw_tree(Repo& repo, const std::string& tree_json, const std::string& meta) {
    Commit commit;
    commit.root_tree = repo.write_metadata(ObjectType::DirTree, tree_json);
    commit.root_meta = meta;
    return repo.write_metadata(ObjectType::Commit, commit.serialize());
}

// Overwrites an object file in place, the way disk damage or a careless admin would.
void overwrite(int dirfd, const std::string& path, const std::string& data) {
    struct stat st = fs::lstat_at(dirfd, path);
    UniqueFd fd(::openat(dirfd, path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    REQUIRE(fd);
    REQUIRE(::write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    struct timespec times[2] = {st.st_atim, st.st_mtim};  // mtime stays 0: hides the write
    REQUIRE(::futimens(fd.get(), times) == 0);
}

}  // namespace

TEST_CASE("dirtrees with hostile names are rejected and checkout writes nothing", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/payload", "payload");
    CommitResult good = f.commit("src");
    std::string file = lookup_path(f.repo, good.commit, "usr/payload").checksum;
    std::string meta = good.root_meta;

    auto name = GENERATE(as<std::string>{}, "../x", "a/b", "", ".", "..", "/abs");
    std::string tree = fmt::format(R"({{"dirs":[],"files":[["{}","{}"]]}})", name, file);
    std::string commit = commit_raw_tree(f.repo, tree, meta);
    INFO("name '" << name << "'");
    CHECK_THROWS_AS(f.repo.read_dirtree(f.repo.read_commit(commit).root_tree), CorruptError);
    CHECK_THROWS_AS(checkout_commit(f.repo, commit, f.tmp.fd(), "dest", {}, f.progress),
                    CorruptError);
    CHECK(fs::list_dir(f.tmp.fd()) == std::vector<std::string>{"repo", "src"});
}

TEST_CASE("dirtrees with duplicates or a name both file and directory are rejected", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/payload", "payload");
    fs::mkdir_p_at(f.tmp.fd(), "outside");
    REQUIRE(::symlinkat((f.tmp / "outside").c_str(), f.tmp.fd(), "src/evil") == 0);
    CommitResult good = f.commit("src");
    std::string file = lookup_path(f.repo, good.commit, "usr/payload").checksum;
    std::string link = lookup_path(f.repo, good.commit, "evil").checksum;
    TreeEntry usr = lookup_path(f.repo, good.commit, "usr");

    // "evil" as a symlink to outside, then as a directory whose content would land there.
    std::string both = fmt::format(R"({{"dirs":[["evil","{}","{}"]],"files":[["evil","{}"]]}})",
                                   usr.checksum, usr.meta, link);
    std::string dup = fmt::format(R"({{"dirs":[],"files":[["a","{0}"],["a","{0}"]]}})", file);
    std::string unsorted = fmt::format(R"({{"dirs":[],"files":[["b","{0}"],["a","{0}"]]}})", file);
    for (const auto& tree : {both, dup, unsorted}) {
        std::string commit = commit_raw_tree(f.repo, tree, good.root_meta);
        CHECK_THROWS_AS(checkout_commit(f.repo, commit, f.tmp.fd(), "dest", {}, f.progress),
                        CorruptError);
        CHECK_FALSE(fs::exists_at(f.tmp.fd(), "dest"));
    }
    CHECK(fs::list_dir(fs::open_dir(f.tmp.fd(), "outside").get()).empty());

    // The legitimate symlink is checked out as a symlink, not followed.
    checkout_commit(f.repo, good.commit, f.tmp.fd(), "dest", {}, f.progress);
    CHECK(S_ISLNK(fs::lstat_at(f.tmp.fd(), "dest/evil").st_mode));
    CHECK(fs::list_dir(fs::open_dir(f.tmp.fd(), "outside").get()).empty());
}

TEST_CASE("truncated or garbage metadata objects are CorruptError naming them", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/a", "a");
    CommitResult c = f.commit("src", "main");

    SECTION("truncated commit object") {
        std::string path = f.object_path(c.commit, ObjectType::Commit);
        std::string data = fs::read_file_at(f.tmp.fd(), path);
        overwrite(f.tmp.fd(), path, data.substr(0, data.size() / 2));
        try {
            f.repo.read_commit(c.commit);
            FAIL("truncated commit accepted");
        } catch (const CorruptError& e) {
            CHECK_THAT(e.what(), Catch::Contains(c.commit));
        }
        auto result = fsck(f.repo, f.progress);
        REQUIRE_FALSE(result.errors.empty());
        CHECK_THAT(result.errors[0], Catch::Contains(c.commit));
    }
    SECTION("garbage whose checksum matches (a writer bug or a hostile remote)") {
        std::string garbage = f.repo.write_metadata(ObjectType::DirTree, "\x01garbage{");
        try {
            f.repo.read_dirtree(garbage);
            FAIL("garbage dirtree accepted");
        } catch (const CorruptError& e) {
            CHECK_THAT(e.what(), Catch::Contains(garbage));
        }
        std::string wrong_shape = f.repo.write_metadata(ObjectType::Commit, R"({"root_tree":1})");
        CHECK_THROWS_AS(f.repo.read_commit(wrong_shape), CorruptError);
        auto result = fsck(f.repo, f.progress);
        REQUIRE(result.errors.size() == 2);
        CHECK_THAT(result.errors[0] + result.errors[1],
                   Catch::Contains(garbage) && Catch::Contains(wrong_shape));
    }
}

TEST_CASE("a corrupted file object is reported by fsck and refused by copy checkout", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/data", "original content");
    write_file(f.tmp.fd(), "src/usr/other", "untouched");
    CommitResult c = f.commit("src", "main");
    std::string csum = lookup_path(f.repo, c.commit, "usr/data").checksum;
    overwrite(f.tmp.fd(), f.object_path(csum, ObjectType::File), "tampered content");

    // One line for the object, one for the ref and path it breaks.
    auto result = fsck(f.repo, f.progress);
    REQUIRE(result.errors.size() == 2);
    CHECK(result.errors[0] ==
          fmt::format("file object {} is corrupt: content does not match its checksum", csum));
    CHECK(result.errors[1] ==
          fmt::format("commit {} (ref main): corrupt file {} (/usr/data)", c.commit, csum));
    CHECK(result.objects_checked == f.count_objects());

    CheckoutOptions copy;
    copy.mode = CheckoutMode::Copy;
    try {
        checkout_commit(f.repo, c.commit, f.tmp.fd(), "dest", copy, f.progress);
        FAIL("corrupt object checked out");
    } catch (const CorruptError& e) {
        CHECK_THAT(e.what(), Catch::Contains(csum));
    }
    CHECK_FALSE(fs::exists_at(f.tmp.fd(), "dest"));
    CHECK_THROWS_AS(read_file_content(f.repo, csum), CorruptError);
}

// Found by tests/fuzz: get<uint32_t>() of a float is undefined behaviour and of a too large
// integer wraps (4294983661 became mode 040755); a name with a newline split the error line.
TEST_CASE("object numbers are in-range integers and hostile names are escaped in errors",
          "[repo]") {
    const std::string sum(64, 'a');
    auto meta = [](const std::string& fields) {
        return DirMeta::parse("{" + fields + R"(,"xattrs":{}})", "m.dirmeta");
    };
    CHECK_THROWS_WITH(meta(R"("mode":1e300,"uid":0,"gid":0)"),
                      Catch::Contains("m.dirmeta") && Catch::Contains("'mode'"));
    CHECK_THROWS_AS(meta(R"("mode":16877.0,"uid":0,"gid":0)"), CorruptError);
    CHECK_THROWS_AS(meta(R"("mode":4294983661,"uid":0,"gid":0)"), CorruptError);
    CHECK_THROWS_AS(meta(R"("mode":16877,"uid":-1,"gid":0)"), CorruptError);
    CHECK(meta(R"("mode":16877,"uid":4294967295,"gid":0)").uid == 4294967295u);

    auto commit = [&](const std::string& timestamp) {
        return Commit::parse(R"({"root_tree":")" + sum + R"(","root_meta":")" + sum +
                                 R"(","parent":"","timestamp":)" + timestamp +
                                 R"(,"version":"","subject":"","body":"","metadata":{}})",
                             "c.commit");
    };
    CHECK_THROWS_AS(commit("1e300"), CorruptError);
    CHECK(commit("-5").timestamp == -5);

    try {
        DirTree::parse(R"({"files":[["a\n/b",")" + sum + R"("]],"dirs":[]})", "t.dirtree");
        FAIL("name with '/' accepted");
    } catch (const CorruptError& e) {
        CHECK(std::string(e.what()) == R"(t.dirtree: invalid file name "a\n/b")");
    }
}
