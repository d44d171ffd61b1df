// pull from a file:// remote: only missing objects, each verified, hardlinked when possible.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

struct PullFixture : RepoFixture {
    Repo remote = Repo::init(tmp / "remote");
    CommitResult v1, v2;

    PullFixture() {
        repo.add_remote({"origin", "file://" + tmp.path() + "/remote"});
        write_file(tmp.fd(), "src/usr/bin/sh", "shell");
        write_file(tmp.fd(), "src/usr/lib/libc", std::string(10000, 'c'));
        REQUIRE(::symlinkat("bin/sh", tmp.fd(), "src/usr/sh") == 0);
        v1 = commit_remote("v1");
        write_file(tmp.fd(), "src/usr/bin/sh", "shell v2");
        v2 = commit_remote("v2");
    }

    CommitResult commit_remote(const std::string& version) {
        CommitOptions options;
        options.branch = "os/stable";
        options.version = version;
        return commit_tree(remote, tmp.fd(), "src", options, progress);
    }

    ino_t inode(const std::string& repo_dir, const std::string& checksum) {
        return fs::lstat_at(tmp.fd(), repo_dir + "/objects/" +
                                          Repo::object_relpath(checksum, ObjectType::File))
            .st_ino;
    }

    std::string file_of(const std::string& commit, const std::string& path) {
        return lookup_path(remote, commit, path).checksum;
    }
};

}  // namespace

TEST_CASE("pull fetches the tip's tree and the history as partial commits", "[repo]") {
    PullFixture f;
    PullResult result = pull(f.repo, "origin", "os/stable", "", f.progress);
    CHECK(result.commit == f.v2.commit);
    CHECK(f.repo.read_ref("origin:os/stable") == f.v2.commit);
    CHECK_FALSE(f.repo.read_ref("os/stable"));
    CHECK_FALSE(f.repo.is_partial(f.v2.commit));
    CHECK(f.repo.is_partial(f.v1.commit));
    // v2: commit, root+usr+bin+lib dirtrees, one dirmeta, three files; plus v1's commit.
    CHECK(result.objects_fetched == 10);
    CHECK(result.bytes_fetched > 10000);
    CHECK(f.progress.last_percent["pull"] == 100);

    // Same filesystem: the file objects are the remote's inodes.
    std::string libc = f.file_of(f.v2.commit, "usr/lib/libc");
    CHECK(f.inode("repo", libc) == f.inode("remote", libc));

    checkout_commit(f.repo, result.commit, f.tmp.fd(), "out", {}, f.progress);
    CHECK(fs::read_file_at(f.tmp.fd(), "out/usr/bin/sh") == "shell v2");
    CHECK(fsck(f.repo, f.progress).errors.empty());

    // Nothing new: nothing fetched.
    CHECK(pull(f.repo, "origin", "os/stable", "", f.progress).objects_fetched == 0);
}

TEST_CASE("pull fetches only what is missing", "[repo]") {
    PullFixture f;
    pull(f.repo, "origin", "os/stable", f.v1.commit, f.progress);
    CHECK_FALSE(f.repo.is_partial(f.v1.commit));
    CHECK(f.repo.is_partial(f.v2.commit));
    CHECK(f.repo.read_ref("origin:os/stable") == f.v2.commit);

    // v2 differs by one file: that file plus the dirtrees above it (bin, usr, root).
    PullResult result = pull(f.repo, "origin", "os/stable", "", f.progress);
    CHECK(result.objects_fetched == 4);
    CHECK(result.bytes_fetched < 10000);
    CHECK_FALSE(f.repo.is_partial(f.v2.commit));
    CHECK(fsck(f.repo, f.progress).errors.empty());
}

TEST_CASE("pull_commit_metadata copies commits only and moves no ref", "[repo]") {
    PullFixture f;
    CHECK(pull_commit_metadata(f.repo, "origin", "os/stable", f.progress) == f.v2.commit);
    CHECK(f.repo.has_object(f.v2.commit, ObjectType::Commit));
    CHECK(f.repo.has_object(f.v1.commit, ObjectType::Commit));
    CHECK(f.repo.is_partial(f.v2.commit));
    CHECK_FALSE(f.repo.read_ref("origin:os/stable"));
    CHECK_FALSE(f.repo.has_object(f.v2.root_tree, ObjectType::DirTree));
    CHECK_THROWS_AS(checkout_commit(f.repo, f.v2.commit, f.tmp.fd(), "out", {}, f.progress),
                    NotFoundError);
}

TEST_CASE("a corrupt remote object is refused and nothing of it is published", "[repo]") {
    PullFixture f;
    std::string sh = f.file_of(f.v2.commit, "usr/bin/sh");
    std::string path = "remote/objects/" + Repo::object_relpath(sh, ObjectType::File);
    {
        UniqueFd fd(::openat(f.tmp.fd(), path.c_str(), O_WRONLY | O_CLOEXEC));
        REQUIRE(fd);
        REQUIRE(::pwrite(fd.get(), "X", 1, 0) == 1);
        struct timespec zero[2] = {{0, 0}, {0, 0}};
        REQUIRE(::futimens(fd.get(), zero) == 0);
    }
    try {
        pull(f.repo, "origin", "os/stable", "", f.progress);
        FAIL("corrupt object pulled");
    } catch (const CorruptError& e) {
        CHECK_THAT(e.what(), Catch::Contains(sh) && Catch::Contains("origin"));
    }
    CHECK_FALSE(f.repo.has_object(sh, ObjectType::File));
    CHECK_FALSE(f.repo.has_object(f.v2.root_tree, ObjectType::DirTree));
    CHECK_FALSE(f.repo.read_ref("origin:os/stable"));
    CHECK(f.repo.is_partial(f.v2.commit));
    CHECK(fs::list_dir(f.repo.tmp_fd()).empty());
}

TEST_CASE("a remote object touched in place is copied, not linked", "[repo]") {
    PullFixture f;
    std::string libc = f.file_of(f.v2.commit, "usr/lib/libc");
    std::string path = "remote/objects/" + Repo::object_relpath(libc, ObjectType::File);
    REQUIRE(::utimensat(f.tmp.fd(), path.c_str(), nullptr, 0) == 0);

    pull(f.repo, "origin", "os/stable", "", f.progress);
    CHECK(f.inode("repo", libc) != f.inode("remote", libc));
    CHECK(read_file_content(f.repo, libc) == std::string(10000, 'c'));
    CHECK(fsck(f.repo, f.progress).errors.empty());  // our copy has mtime 0 again
}

TEST_CASE("pull errors name the remote, ref or commit", "[repo]") {
    PullFixture f;
    try {
        pull(f.repo, "nope", "os/stable", "", f.progress);
        FAIL();
    } catch (const NotFoundError& e) {
        CHECK_THAT(e.what(), Catch::Contains("no remote 'nope'"));
    }
    try {
        pull(f.repo, "origin", "os/missing", "", f.progress);
        FAIL();
    } catch (const NotFoundError& e) {
        CHECK_THAT(e.what(), Catch::Contains("origin") && Catch::Contains("os/missing"));
    }
    CHECK_THROWS_AS(pull(f.repo, "origin", "os/stable", std::string(64, 'a'), f.progress),
                    NotFoundError);

    f.repo.add_remote({"web", "https://example.com/repo"});
    try {
        pull(f.repo, "web", "os/stable", "", f.progress);
        FAIL();
    } catch (const InvalidError& e) {
        CHECK_THAT(e.what(), Catch::Contains("http remotes are not supported yet"));
    }
    f.repo.add_remote({"gone", "file://" + f.tmp.path() + "/does-not-exist"});
    CHECK_THROWS_AS(pull(f.repo, "gone", "os/stable", "", f.progress), NotFoundError);
}
