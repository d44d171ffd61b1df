// Untrusted depth: a chain of dirtrees far deeper than kMaxTreeDepth, written directly as objects
// (much faster than mkdir that deep), must end every walker in a clean CorruptError naming the
// commit and the limit — never a stack overflow — and leave nothing of it behind.
#include <catch2/catch.hpp>

#include <string>

#include "deploy/error.hpp"
#include "deploy/repo/checkout.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "error_of.hpp"
#include "repo_fixture.hpp"

using namespace deploy;
using namespace deploy::repo;
using deploy::test::RepoFixture;
using deploy::test::write_file;

namespace {

// Far past the limit; walkers stop at kMaxTreeDepth whatever the length, so more levels only cost
// time here (tests/cli/deep_tree.sh pulls the issue's 100,000 through deployctl and deployd).
constexpr size_t kHostileDepth = 10000;

// A commit whose tree is "d/d/d/..." `depth` directories deep with a file at every level, so
// walkers that skip unchanged subtrees still have work at each one. The file object comes from a
// real (branchless) commit of seed/f.
std::string write_chain(RepoFixture& f, size_t depth, const std::string& branch) {
    Repo& repo = f.repo;
    write_file(f.tmp.fd(), "seed/f", "at every level");
    std::string file = lookup_path(repo, f.commit("seed").commit, "f").checksum;
    std::string meta = repo.write_metadata(ObjectType::DirMeta, DirMeta{}.serialize());
    DirTree level;
    level.files.push_back({"f", file});
    std::string tree = repo.write_metadata(ObjectType::DirTree, level.serialize());
    for (size_t i = 0; i < depth; ++i) {
        DirTree parent;
        parent.files.push_back({"f", file});
        parent.dirs.push_back({"d", tree, meta});
        tree = repo.write_metadata(ObjectType::DirTree, parent.serialize());
    }
    Commit commit;
    commit.root_tree = tree;
    commit.root_meta = meta;
    commit.version = std::to_string(depth);
    std::string checksum = repo.write_metadata(ObjectType::Commit, commit.serialize());
    repo.write_ref(branch, checksum);
    return checksum;
}

std::string too_deep() {
    return "directory tree deeper than the limit of " + std::to_string(kMaxTreeDepth) + " levels";
}

std::string nested(size_t depth) {
    std::string path;
    for (size_t i = 0; i < depth; ++i)
        path += i == 0 ? "d" : "/d";
    return path;
}

}  // namespace

TEST_CASE("a hostile deep tree is a CorruptError in every walker and never a crash", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/bin/sh", "shell");
    CommitResult normal = f.commit("src", "normal");
    std::string deep = write_chain(f, kHostileDepth, "deep");
    using Catch::Matchers::Contains;

    {  // checkout, of the commit and of a subpath, leaves no destination behind
        CHECK_THAT(error_of<CorruptError>(
                       [&] { checkout_commit(f.repo, deep, f.tmp.fd(), "out", {}, f.progress); }),
                   Contains("commit " + deep) && Contains(too_deep()));
        CheckoutOptions sub;
        sub.subpath = nested(10);
        sub.mode = CheckoutMode::Copy;
        CHECK_THAT(error_of<CorruptError>(
                       [&] { checkout_commit(f.repo, deep, f.tmp.fd(), "out", sub, f.progress); }),
                   Contains(too_deep()));
        CHECK_FALSE(fs::exists_at(f.tmp.fd(), "out"));
    }
    {  // tree walk (repo ls -R), from the root and from a subdirectory
        size_t seen = 0;
        auto count = [&](const TreeEntry&) { ++seen; };
        std::string root = f.repo.read_commit(deep).root_tree;
        CHECK_THAT(error_of<CorruptError>([&] { walk_tree(f.repo, root, "", count); }),
                   Contains(too_deep()));
        // Depth counts from the commit's root, not from where the walk starts.
        TreeEntry mid = lookup_path(f.repo, deep, nested(200));
        seen = 0;
        CHECK_THROWS_AS(walk_tree(f.repo, mid.checksum, mid.path, count), CorruptError);
        CHECK(seen == 2 * (kMaxTreeDepth - 200) + 1);
    }
    {  // fsck reports one line naming the ref, and still checks the other refs
        FsckResult result = fsck(f.repo, f.progress);
        REQUIRE(result.errors.size() == 1);
        CHECK_THAT(result.errors[0],
                   Contains("commit " + deep + " (ref deep)") && Contains(too_deep()));
        CHECK(result.objects_checked > kHostileDepth);
    }
    {  // diff against a normal commit and against a slightly different deep one
        CHECK_THAT(error_of<CorruptError>([&] { diff_commits(f.repo, "normal", "deep"); }),
                   Contains(too_deep()));
        std::string deep2 = write_chain(f, kMaxTreeDepth + 5, "deep2");
        CHECK_THAT(error_of<CorruptError>([&] { diff_commits(f.repo, deep, deep2); }),
                   Contains("diff " + deep) && Contains(too_deep()));
    }
    {  // pull over file:// refuses it and publishes nothing of the tree
        Repo local = Repo::init(f.tmp / "local");
        local.add_remote({"origin", "file://" + f.tmp.path() + "/repo"});
        CHECK_THAT(error_of<CorruptError>([&] { pull(local, "origin", "deep", "", f.progress); }),
                   Contains("remote 'origin': commit " + deep) && Contains(too_deep()));
        CHECK_FALSE(local.read_ref("origin:deep"));
        CHECK(local.is_partial(deep));
        CHECK_FALSE(local.has_object(f.repo.read_commit(deep).root_tree, ObjectType::DirTree));
        // The normal ref of the same remote still pulls.
        CHECK(pull(local, "origin", "normal", "", f.progress).commit == normal.commit);
        CHECK(fsck(local, f.progress).errors.empty());
    }
    {  // prune marks iteratively: keeps the whole chain, removes only garbage
        write_file(f.tmp.fd(), "junk/file", "unreferenced");
        std::string junk = f.commit("junk").commit;  // no branch: unreachable
        size_t before = f.count_objects();
        PruneResult result = prune(f.repo, {}, f.progress);
        // junk's commit, dirtree and file, the seed commits; never the deep chains.
        CHECK(result.objects_removed >= 3);
        CHECK(result.objects_removed <= 6);
        CHECK(f.count_objects() == before - result.objects_removed);
        CHECK_FALSE(f.repo.has_object(junk, ObjectType::Commit));
        CHECK(lookup_path(f.repo, deep, nested(kMaxTreeDepth) + "/f").kind ==
              TreeEntry::Kind::File);
    }
}

TEST_CASE("a tree exactly at the depth limit works and one level more is refused", "[repo]") {
    RepoFixture f;
    SECTION("crafted chains: the limit is inclusive") {
        std::string ok = write_chain(f, kMaxTreeDepth, "ok");
        std::string over = write_chain(f, kMaxTreeDepth + 1, "over");
        checkout_commit(f.repo, ok, f.tmp.fd(), "out", {}, f.progress);
        CHECK(fs::exists_at(f.tmp.fd(), "out/" + nested(kMaxTreeDepth) + "/f"));
        // One level deeper, added whole: reported without descending past the limit.
        CHECK(diff_commits(f.repo, "ok", "over").size() == 2);
        CHECK_THROWS_AS(checkout_commit(f.repo, over, f.tmp.fd(), "out2", {}, f.progress),
                        CorruptError);
        FsckResult result = fsck(f.repo, f.progress);
        REQUIRE(result.errors.size() == 1);
        CHECK_THAT(result.errors[0], Catch::Matchers::Contains("(ref over)"));
    }
    SECTION("committing a local directory: at the limit, and one deeper refused naming it") {
        std::string dir = "src/" + nested(kMaxTreeDepth);
        fs::mkdir_p_at(f.tmp.fd(), dir);
        write_file(f.tmp.fd(), dir + "/leaf", "leaf");
        CommitResult result = f.commit("src", "ok");
        CHECK(lookup_path(f.repo, result.commit, nested(kMaxTreeDepth) + "/leaf").kind ==
              TreeEntry::Kind::File);
        fs::mkdir_p_at(f.tmp.fd(), dir + "/d");
        CHECK_THAT(error_of<InvalidError>([&] { f.commit("src", "over"); }),
                   Catch::Matchers::Contains("cannot commit d/d/d") &&
                       Catch::Matchers::Contains("deeper than 256 levels"));
        CHECK_FALSE(f.repo.read_ref("over"));
    }
    SECTION("etc moved to usr/etc adds a level, which is counted") {
        std::string dir = "src/etc/" + nested(kMaxTreeDepth - 1);
        fs::mkdir_p_at(f.tmp.fd(), dir);
        CHECK_THAT(error_of<InvalidError>([&] { f.commit("src", "etc"); }),
                   Catch::Matchers::Contains("cannot commit usr/etc/d"));
    }
}

TEST_CASE("a commit whose metadata nests very deep is refused before it is copied", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/bin/sh", "shell");
    CommitResult normal = f.commit("src");
    const size_t levels = 100000;  // copying this recursively overflows an 8 MiB stack
    std::string nested_json = std::string(levels, '[') + std::string(levels, ']');
    std::string good = f.repo.read_metadata(normal.commit, ObjectType::Commit);
    std::string hostile = good;
    std::string key = R"("metadata":{})";
    REQUIRE(hostile.find(key) != std::string::npos);
    hostile.replace(hostile.find(key), key.size(), R"("metadata":)" + nested_json);
    std::string commit = f.repo.write_metadata(ObjectType::Commit, hostile);
    f.repo.write_ref("deep", commit);
    CHECK_THAT(error_of<CorruptError>([&] { f.repo.read_commit(commit); }),
               Catch::Matchers::Contains("commit " + commit) &&
                   Catch::Matchers::Contains("nested deeper than 64"));
    Repo local = Repo::init(f.tmp / "local");
    local.add_remote({"origin", "file://" + f.tmp.path() + "/repo"});
    CHECK_THROWS_AS(pull(local, "origin", "deep", "", f.progress), CorruptError);
    CHECK_FALSE(local.has_object(commit, ObjectType::Commit));
}
