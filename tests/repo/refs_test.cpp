// Refs and revisions, and the seed use case (config branches dev and uat).
#include <catch2/catch.hpp>

#include <map>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "deploy/util/sha256.hpp"
#include "repo_fixture.hpp"

using namespace deploy;
using namespace deploy::repo;
using deploy::test::RepoFixture;
using deploy::test::write_file;

TEST_CASE("seed use case: config committed to dev, changed, committed to uat", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "config/app.conf", "level=debug\n");
    write_file(f.tmp.fd(), "config/db/url", "postgres://dev\n");
    CommitOptions options;
    options.subject = "dev config";
    options.version = "1";
    CommitResult dev = f.commit("config", "dev", options);

    write_file(f.tmp.fd(), "config/app.conf", "level=info\n");
    write_file(f.tmp.fd(), "config/db/pool", "10\n");
    options.subject = "uat config";
    options.version = "2";
    CommitResult uat = f.commit("config", "uat", options);

    CHECK(read_file_content(f.repo,
                            lookup_path(f.repo, f.repo.resolve_rev("dev"), "app.conf").checksum) ==
          "level=debug\n");
    CHECK(read_file_content(f.repo,
                            lookup_path(f.repo, f.repo.resolve_rev("uat"), "app.conf").checksum) ==
          "level=info\n");
    CHECK(lookup_path(f.repo, uat.commit, "/db").kind == TreeEntry::Kind::Dir);
    CHECK(f.repo.read_commit(uat.commit).subject == "uat config");
    CHECK(f.repo.read_commit(uat.commit).parent.empty());  // a new branch starts a new history

    std::map<std::string, std::string> expected = {{"dev", dev.commit}, {"uat", uat.commit}};
    CHECK(f.repo.list_refs() == expected);

    auto diff = diff_commits(f.repo, "dev", "uat");
    REQUIRE(diff.size() == 2);
    CHECK(diff[0].status == 'M');
    CHECK(diff[0].path == "app.conf");
    CHECK(diff[1].status == 'A');
    CHECK(diff[1].path == "db/pool");
}

TEST_CASE("resolve_rev: refs, remote refs, checksums, prefixes and ambiguity", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/a", "a");
    CommitResult c = f.commit("src", "os/x86_64/stable");
    f.repo.write_ref("origin:os/x86_64/stable", c.commit);

    CHECK(f.repo.resolve_rev("os/x86_64/stable") == c.commit);
    CHECK(f.repo.resolve_rev("origin:os/x86_64/stable") == c.commit);
    CHECK(f.repo.resolve_rev(c.commit) == c.commit);
    CHECK(f.repo.resolve_rev(c.commit.substr(0, 10)) == c.commit);
    CHECK_THROWS_AS(f.repo.resolve_rev("nope"), NotFoundError);
    CHECK_THROWS_AS(f.repo.resolve_rev(Sha256::hex_of("not a commit")), NotFoundError);

    // Make two commits that share a 4-character prefix (birthday bound: a few hundred tries).
    Commit commit = f.repo.read_commit(c.commit);
    std::map<std::string, std::string> by_prefix;
    std::string ambiguous;
    for (int i = 0; i < 5000 && ambiguous.empty(); ++i) {
        commit.subject = "try " + std::to_string(i);
        std::string csum = f.repo.write_metadata(ObjectType::Commit, commit.serialize());
        auto [it, fresh] = by_prefix.emplace(csum.substr(0, 4), csum);
        if (!fresh)
            ambiguous = csum.substr(0, 4);
    }
    REQUIRE_FALSE(ambiguous.empty());
    try {
        f.repo.resolve_rev(ambiguous);
        FAIL("ambiguous prefix resolved");
    } catch (const InvalidError& e) {
        CHECK_THAT(e.what(), Catch::Contains("ambiguous"));
    }
}

TEST_CASE("invalid ref names are refused", "[repo]") {
    RepoFixture f;
    write_file(f.tmp.fd(), "src/usr/a", "a");
    CommitResult c = f.commit("src");
    for (std::string bad : {"", "/abs", "trailing/", "a//b", "../x", "a/../b", ".hidden",
                            "has space", "semi;colon", "a/.", "new\nline"}) {
        INFO("ref '" << bad << "'");
        CHECK_THROWS_AS(Repo::check_ref_name(bad), InvalidError);
        CHECK_THROWS_AS(f.repo.write_ref(bad, c.commit), InvalidError);
    }
    CHECK_NOTHROW(Repo::check_ref_name("os/x86_64/stable-1.2_b"));
    CHECK_THROWS_AS(f.commit("src", "bad name"), InvalidError);
    CHECK_THROWS_AS(f.repo.write_ref("ok", "not-a-checksum"), InvalidError);
    CHECK_THROWS_AS(f.repo.read_ref("a:../../x"), InvalidError);
    CHECK(f.repo.list_refs().empty());
}
