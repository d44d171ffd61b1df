// prune: unreachable objects go, reachable ones stay, and the store stays consistent.
#include <catch2/catch.hpp>

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

struct TwoBranches : RepoFixture {
    CommitResult keep, drop;
    std::string shared, only_drop;

    TwoBranches() {
        write_file(tmp.fd(), "src/usr/shared", "shared");
        write_file(tmp.fd(), "src/usr/keep", "keep");
        keep = commit("src", "keep");
        fs::remove_tree_at(tmp.fd(), "src/usr/keep");
        write_file(tmp.fd(), "src/usr/drop", std::string(64 * 1024, 'd'));
        drop = commit("src", "drop");
        shared = lookup_path(repo, drop.commit, "usr/shared").checksum;
        only_drop = lookup_path(repo, drop.commit, "usr/drop").checksum;
        repo.delete_ref("drop");
    }
};

}  // namespace

TEST_CASE("prune removes unreachable objects and keeps reachable ones", "[repo]") {
    TwoBranches f;
    size_t before = f.count_objects();

    PruneOptions dry;
    dry.dry_run = true;
    PruneResult counted = prune(f.repo, dry, f.progress);
    CHECK(counted.objects_total == before);
    // drop's commit, its root dirtree, its usr dirtree and the file only it has.
    CHECK(counted.objects_removed == 4);
    CHECK(counted.bytes_freed >= 64 * 1024);
    CHECK(f.count_objects() == before);

    PruneResult result = prune(f.repo, {}, f.progress);
    CHECK(result.objects_removed == counted.objects_removed);
    CHECK(result.bytes_freed == counted.bytes_freed);
    CHECK(f.count_objects() == before - 4);
    CHECK_FALSE(f.repo.has_object(f.drop.commit, ObjectType::Commit));
    CHECK_FALSE(f.repo.has_object(f.only_drop, ObjectType::File));
    CHECK(f.repo.has_object(f.shared, ObjectType::File));
    CHECK(fsck(f.repo, f.progress).errors.empty());
    checkout_commit(f.repo, f.keep.commit, f.tmp.fd(), "out", {}, f.progress);

    // Nothing left to do the second time.
    CHECK(prune(f.repo, {}, f.progress).objects_removed == 0);
}

TEST_CASE("prune keeps extra commits, and history unless told otherwise", "[repo]") {
    TwoBranches f;
    PruneOptions options;
    options.extra_commits = {f.drop.commit};
    CHECK(prune(f.repo, options, f.progress).objects_removed == 0);

    // History on keep: next -> keep. Only the tip survives a depth-0 prune.
    write_file(f.tmp.fd(), "src/usr/next", "next");
    CommitResult next = f.commit("src", "keep");
    REQUIRE(f.repo.read_commit(next.commit).parent == f.keep.commit);

    PruneOptions tips_only;
    tips_only.keep_history = false;
    prune(f.repo, tips_only, f.progress);
    CHECK_FALSE(f.repo.has_object(f.keep.commit, ObjectType::Commit));
    CHECK(f.repo.has_object(next.commit, ObjectType::Commit));
    CHECK(fsck(f.repo, f.progress).errors.empty());
}

TEST_CASE("prune frees nothing for objects still hardlinked by a checkout", "[repo]") {
    TwoBranches f;
    // A deployment-like hardlink checkout of the dropped commit keeps its inodes alive.
    checkout_commit(f.repo, f.drop.commit, f.tmp.fd(), "deployed", {}, f.progress);
    PruneResult result = prune(f.repo, {}, f.progress);
    CHECK(result.objects_removed == 4);
    CHECK(result.bytes_freed < 64 * 1024);
    CHECK(fs::read_file_at(f.tmp.fd(), "deployed/usr/drop").size() == 64 * 1024);
}

TEST_CASE("prune cleans interrupted writers' staging files and stale partial markers", "[repo]") {
    TwoBranches f;
    write_file(f.tmp.fd(), "repo/tmp/file-999999999-1", "left by a killed writer");
    write_file(f.tmp.fd(), "repo/tmp/meta-1-x", "pid 1 is alive: not ours to remove");
    f.repo.mark_partial(f.drop.commit, true);
    f.repo.mark_partial(f.keep.commit, true);

    PruneOptions dry;
    dry.dry_run = true;
    prune(f.repo, dry, f.progress);
    CHECK(fs::exists_at(f.tmp.fd(), "repo/tmp/file-999999999-1"));

    prune(f.repo, {}, f.progress);
    CHECK_FALSE(fs::exists_at(f.tmp.fd(), "repo/tmp/file-999999999-1"));
    CHECK(fs::exists_at(f.tmp.fd(), "repo/tmp/meta-1-x"));
    CHECK_FALSE(f.repo.is_partial(f.drop.commit));
    CHECK(f.repo.is_partial(f.keep.commit));
    // A partial commit keeps what it has of its tree.
    CHECK(f.repo.has_object(f.keep.root_tree, ObjectType::DirTree));
}
