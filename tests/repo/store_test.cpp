// Commit and checkout: what goes in comes out, and unchanged content costs nothing.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "deploy/error.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "repo_fixture.hpp"

using namespace deploy;
using namespace deploy::repo;
using deploy::test::read_file;
using deploy::test::RepoFixture;
using deploy::test::write_file;

namespace {

// A small tree exercising every property a file object records.
void make_rich_tree(int dirfd, const std::string& root) {
    fs::mkdir_p_at(dirfd, root);
    write_file(dirfd, root + "/usr/bin/tool", "#!/bin/sh\necho hi\n", 0755);
    write_file(dirfd, root + "/usr/lib/secret", "s3cret", 0640);
    REQUIRE(::fchownat(dirfd, (root + "/usr/lib/secret").c_str(), 1000, 1001, 0) == 0);
    write_file(dirfd, root + "/usr/share/doc/readme", "hello world\n");
    fs::write_xattrs_at(dirfd, root + "/usr/share/doc/readme", {{"user.origin", "test\x01"}});
    REQUIRE(::symlinkat("/usr/bin/tool", dirfd, (root + "/usr/bin/abs-link").c_str()) == 0);
    REQUIRE(::symlinkat("../lib/secret", dirfd, (root + "/usr/bin/rel-link").c_str()) == 0);
    REQUIRE(::fchownat(dirfd, (root + "/usr/bin/rel-link").c_str(), 7, 8, AT_SYMLINK_NOFOLLOW) ==
            0);
    fs::mkdir_p_at(dirfd, root + "/var/empty", 0700);
    REQUIRE(::fchownat(dirfd, (root + "/var/empty").c_str(), 5, 6, 0) == 0);
    REQUIRE(::fchmodat(dirfd, (root + "/var/empty").c_str(), 0710, 0) == 0);
    fs::write_xattrs_at(dirfd, root + "/var", {{"user.dir", "yes"}});
}

void require_same_entry(int a_fd, int b_fd, const std::string& path) {
    INFO(path);
    struct stat a = fs::lstat_at(a_fd, path);
    struct stat b = fs::lstat_at(b_fd, path);
    CHECK(a.st_mode == b.st_mode);
    CHECK(a.st_uid == b.st_uid);
    CHECK(a.st_gid == b.st_gid);
    CHECK(fs::read_xattrs_at(a_fd, path) == fs::read_xattrs_at(b_fd, path));
    if (S_ISREG(a.st_mode)) {
        CHECK(fs::read_file_at(a_fd, path) == fs::read_file_at(b_fd, path));
    } else if (S_ISLNK(a.st_mode)) {
        char ta[256] = {}, tb[256] = {};
        CHECK(::readlinkat(a_fd, path.c_str(), ta, sizeof(ta)) > 0);
        CHECK(::readlinkat(b_fd, path.c_str(), tb, sizeof(tb)) > 0);
        CHECK(std::string(ta) == std::string(tb));
    }
}

const std::vector<std::string> kRichPaths = {"usr",
                                             "usr/bin",
                                             "usr/bin/tool",
                                             "usr/bin/abs-link",
                                             "usr/bin/rel-link",
                                             "usr/lib",
                                             "usr/lib/secret",
                                             "usr/share/doc/readme",
                                             "var",
                                             "var/empty"};

}  // namespace

TEST_CASE("commit then checkout round-trips content, modes, owners, symlinks, xattrs", "[repo]") {
    RepoFixture f;
    make_rich_tree(f.tmp.fd(), "src");
    CommitResult result = f.commit("src", "os/stable");
    CHECK(f.repo.read_ref("os/stable") == result.commit);
    CHECK(result.stats.files == 5);

    auto mode = GENERATE(CheckoutMode::Hardlink, CheckoutMode::Copy);
    CheckoutOptions options;
    options.mode = mode;
    checkout_commit(f.repo, result.commit, f.tmp.fd(), "out", options, f.progress);
    UniqueFd src = fs::open_dir(f.tmp.fd(), "src");
    UniqueFd out = fs::open_dir(f.tmp.fd(), "out");
    for (const auto& path : kRichPaths)
        require_same_entry(src.get(), out.get(), path);

    // Hardlink mode shares the object's inode; copy mode must not.
    struct stat st = fs::lstat_at(out.get(), "usr/bin/tool");
    CHECK((st.st_nlink > 1) == (mode == CheckoutMode::Hardlink));
}

TEST_CASE("committing an identical tree again makes no new objects", "[repo]") {
    RepoFixture f;
    make_rich_tree(f.tmp.fd(), "src");
    CommitResult first = f.commit("src", "a");
    size_t objects = f.count_objects();
    CommitResult second = f.commit("src", "a");
    CHECK(second.stats.new_objects == 0);
    CHECK(second.root_tree == first.root_tree);
    CHECK(second.root_meta == first.root_meta);
    // Only the new commit object (it has a parent and a timestamp) was added.
    CHECK(f.count_objects() == objects + 1);
    CHECK(f.repo.read_commit(second.commit).parent == first.commit);
}

TEST_CASE("a hardlink checkout is re-committed without reading its files", "[repo]") {
    RepoFixture f;
    make_rich_tree(f.tmp.fd(), "src");
    CommitResult first = f.commit("src", "a");
    checkout_commit(f.repo, first.commit, f.tmp.fd(), "co", {}, f.progress);

    CommitResult again = f.commit("co", "b");
    CHECK(again.stats.reused_checkout_files == again.stats.files);
    CHECK(again.stats.bytes_hashed == 0);
    CHECK(again.root_tree == first.root_tree);
}

TEST_CASE("a checkout file modified in place is re-hashed", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/a", "one");
    write_file(f.tmp.fd(), "src/usr/b", "two");
    CommitResult first = f.commit("src", "a");
    checkout_commit(f.repo, first.commit, f.tmp.fd(), "co", {}, f.progress);

    // Writing through the hardlink changes the mtime, which is what disqualifies the shortcut.
    {
        UniqueFd fd(::openat(f.tmp.fd(), "co/usr/a", O_WRONLY | O_TRUNC | O_CLOEXEC));
        REQUIRE(fd);
        REQUIRE(::write(fd.get(), "changed", 7) == 7);
    }
    CommitResult second = f.commit("co", "a");
    CHECK(second.stats.reused_checkout_files == 1);
    CHECK(second.stats.new_objects == 1);
    TreeEntry entry = lookup_path(f.repo, second.commit, "usr/a");
    CHECK(read_file_content(f.repo, entry.checksum) == "changed");
    CHECK(second.root_tree != first.root_tree);
}

TEST_CASE("device nodes, sockets and fifos are refused naming the file, or skipped", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/ok", "fine");
    fs::mkdir_p_at(f.tmp.fd(), "src/dev");
    REQUIRE(::mkfifoat(f.tmp.fd(), "src/dev/pipe", 0600) == 0);

    try {
        f.commit("src", "a");
        FAIL("fifo accepted");
    } catch (const InvalidError& e) {
        CHECK_THAT(e.what(), Catch::Contains("dev/pipe"));
    }
    CHECK_FALSE(f.repo.read_ref("a"));

    CommitOptions options;
    options.skip_special_files = true;
    CommitResult result = f.commit("src", "a", options);
    CHECK_THROWS_AS(lookup_path(f.repo, result.commit, "dev/pipe"), NotFoundError);
    CHECK(lookup_path(f.repo, result.commit, "dev").kind == TreeEntry::Kind::Dir);
    REQUIRE(f.progress.messages.size() == 1);
    CHECK_THAT(f.progress.messages[0], Catch::Contains("dev/pipe"));
}

TEST_CASE("etc is moved to usr/etc, and a tree with both is refused", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/etc/hosts", "127.0.0.1 localhost\n");
    write_file(f.tmp.fd(), "src/usr/bin/sh", "sh");
    CommitResult result = f.commit("src", "a");
    CHECK(read_file_content(f.repo, lookup_path(f.repo, result.commit, "usr/etc/hosts").checksum) ==
          "127.0.0.1 localhost\n");
    CHECK_THROWS_AS(lookup_path(f.repo, result.commit, "etc"), NotFoundError);

    // Only etc: usr is created for it.
    write_file(f.tmp.fd(), "only/etc/motd", "hi");
    CommitResult only = f.commit("only");
    CHECK(lookup_path(f.repo, only.commit, "usr/etc/motd").kind == TreeEntry::Kind::File);

    write_file(f.tmp.fd(), "src/usr/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    CHECK_THROWS_AS(f.commit("src", "a"), InvalidError);
    CHECK(f.repo.read_ref("a") == result.commit);
}

TEST_CASE("checkout of a subpath and into an existing destination", "[repo]") {
    RepoFixture f;
    make_rich_tree(f.tmp.fd(), "src");
    CommitResult result = f.commit("src", "a");
    CheckoutOptions options;
    options.subpath = "usr/share";
    checkout_commit(f.repo, result.commit, f.tmp.fd(), "share", options, f.progress);
    CHECK(read_file(f.tmp.fd(), "share/doc/readme") == "hello world\n");
    CHECK_THROWS_AS(checkout_commit(f.repo, result.commit, f.tmp.fd(), "share", {}, f.progress),
                    InvalidError);
}
