// diff_commits: A/D/M by path, sorted, whole directories listed when added or removed.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "repo_fixture.hpp"

using namespace deploy;
using namespace deploy::repo;
using deploy::test::RepoFixture;
using deploy::test::write_file;

namespace {

std::vector<std::string> render(const std::vector<DiffEntry>& diff) {
    std::vector<std::string> out;
    for (const auto& e : diff)
        out.push_back(std::string(1, e.status) + " " + e.path);
    return out;
}

}  // namespace

TEST_CASE("diff reports added, deleted and modified paths", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "v1/usr/bin/sh", "sh v1");
    write_file(f.tmp.fd(), "v1/usr/bin/same", "same");
    write_file(f.tmp.fd(), "v1/usr/lib/old/a", "a");
    write_file(f.tmp.fd(), "v1/usr/lib/old/sub/b", "b");
    write_file(f.tmp.fd(), "v1/usr/share/thing", "was a file");
    write_file(f.tmp.fd(), "v1/usr/mode", "x", 0644);
    fs::mkdir_p_at(f.tmp.fd(), "v1/opt");
    CommitResult a = f.commit("v1", "a");

    fs::copy_tree_at(f.tmp.fd(), "v1", f.tmp.fd(), "v2");
    write_file(f.tmp.fd(), "v2/usr/bin/sh", "sh v2");
    fs::remove_tree_at(f.tmp.fd(), "v2/usr/lib/old");
    write_file(f.tmp.fd(), "v2/usr/lib/new/c", "c");
    fs::remove_tree_at(f.tmp.fd(), "v2/usr/share/thing");
    write_file(f.tmp.fd(), "v2/usr/share/thing/inside", "now a dir");
    REQUIRE(::fchmodat(f.tmp.fd(), "v2/usr/mode", 0600, 0) == 0);
    REQUIRE(::fchmodat(f.tmp.fd(), "v2/opt", 0700, 0) == 0);
    CommitResult b = f.commit("v2", "b");

    std::vector<std::string> expected = {
        "M opt",         "M usr/bin/sh",      "A usr/lib/new",     "A usr/lib/new/c",
        "D usr/lib/old", "D usr/lib/old/a",   "D usr/lib/old/sub", "D usr/lib/old/sub/b",
        "M usr/mode",    "D usr/share/thing", "A usr/share/thing", "A usr/share/thing/inside",
    };
    CHECK(render(diff_commits(f.repo, a.commit, b.commit)) == expected);
    CHECK(diff_commits(f.repo, "a", "a").empty());

    // The reverse diff swaps A and D.
    auto reverse = render(diff_commits(f.repo, "b", "a"));
    CHECK(std::find(reverse.begin(), reverse.end(), "A usr/lib/old/sub/b") != reverse.end());
    CHECK(std::find(reverse.begin(), reverse.end(), "D usr/lib/new") != reverse.end());
}

TEST_CASE("diff of identical trees is empty even across commits", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/a", "a");
    CommitResult a = f.commit("src", "x");
    CommitResult b = f.commit("src", "x");
    CHECK(a.commit != b.commit);
    CHECK(diff_commits(f.repo, a.commit, b.commit).empty());
    CHECK_THROWS_AS(diff_commits(f.repo, "x", "missing"), NotFoundError);
}
