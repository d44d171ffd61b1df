// The resolver against small hand-written rpm-md repositories: dependencies, libsolv's problem
// descriptions, excludes, conflicts and metadata corruption. No rpmbuild needed.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/layering/resolve.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/sha256.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using namespace deploy::layering;

namespace {

struct Pkg {
    std::string name, version;
    std::string requires_ = "", conflicts = "";
};

std::string package_xml(const Pkg& p) {
    std::string deps;
    if (!p.requires_.empty())
        deps += fmt::format("<rpm:requires><rpm:entry name=\"{}\"/></rpm:requires>", p.requires_);
    if (!p.conflicts.empty())
        deps += fmt::format("<rpm:conflicts><rpm:entry name=\"{}\"/></rpm:conflicts>", p.conflicts);
    return fmt::format(
        R"(<package type="rpm"><name>{0}</name><arch>noarch</arch>)"
        R"(<version epoch="0" ver="{1}" rel="1"/>)"
        R"(<checksum type="sha256" pkgid="YES">{2}</checksum>)"
        R"(<location href="{0}-{1}-1.noarch.rpm"/><format>)"
        R"(<rpm:provides><rpm:entry name="{0}" flags="EQ" epoch="0" ver="{1}" rel="1"/>)"
        R"(</rpm:provides>{3}</format></package>)",
        p.name, p.version, std::string(64, '0'), deps);
}

// Writes repodata/{repomd.xml,primary.xml} under dir; returns the repo source.
RepoSource write_repo(const test::TempDir& tmp, const std::string& name,
                      const std::vector<Pkg>& pkgs) {
    std::string primary = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                          R"(<metadata xmlns="http://linux.duke.edu/metadata/common" )"
                          R"(xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages=")" +
                          std::to_string(pkgs.size()) + "\">";
    for (const auto& p : pkgs)
        primary += package_xml(p);
    primary += "</metadata>\n";
    std::string repomd =
        fmt::format(R"(<?xml version="1.0" encoding="UTF-8"?>)"
                    R"(<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision>)"
                    R"(<data type="primary"><checksum type="sha256">{}</checksum>)"
                    R"(<location href="repodata/primary.xml"/></data></repomd>)",
                    Sha256::hex_of(primary));
    fs::mkdir_p_at(tmp.fd(), name + "/repodata");
    fs::write_file_atomic(tmp.fd(), name + "/repodata/primary.xml", primary);
    fs::write_file_atomic(tmp.fd(), name + "/repodata/repomd.xml", repomd);
    return {name, "file://" + tmp / name, true, false, ""};
}

const std::vector<Pkg> kFixture = {{"libfoo", "1.0"},
                                   {"bar", "1.0", "libfoo"},
                                   {"baz", "1.0", "libmissing"},
                                   {"qux", "1.0", "", "bar"}};

ResolveRequest request_for(const RepoSource& source, std::vector<std::string> install) {
    ResolveRequest r;
    r.repos = {source};
    r.install = std::move(install);
    r.fetch_packages = false;
    return r;
}

}  // namespace

TEST_CASE("resolve: a dependency is pulled in and ordered first", "[layering][resolve]") {
    test::TempDir tmp;
    auto source = write_repo(tmp, "r", kFixture);
    Progress progress;
    auto result = resolve(request_for(source, {"bar"}), progress);
    REQUIRE(result.install.size() == 2);
    CHECK(result.install[0].name == "libfoo");
    CHECK(result.install[1].name == "bar");
    CHECK(result.install[1].nevra == "bar-1.0-1.noarch");
    CHECK(result.install[1].path == "file://" + tmp / "r" + "/bar-1.0-1.noarch.rpm");
    CHECK(result.erase.empty());
}

TEST_CASE("resolve: the newest version wins", "[layering][resolve]") {
    test::TempDir tmp;
    auto source = write_repo(tmp, "r", {{"libfoo", "1.0"}, {"libfoo", "1.1"}});
    Progress progress;
    auto result = resolve(request_for(source, {"libfoo"}), progress);
    REQUIRE(result.install.size() == 1);
    CHECK(result.install[0].nevra == "libfoo-1.1-1.noarch");
}

TEST_CASE("resolve: libsolv's problem description is the error", "[layering][resolve]") {
    test::TempDir tmp;
    auto source = write_repo(tmp, "r", kFixture);
    Progress progress;
    try {
        resolve(request_for(source, {"baz"}), progress);
        FAIL("baz must not resolve");
    } catch (const ResolveError& e) {
        REQUIRE(e.problems().size() == 1);
        CHECK(e.problems()[0] == "nothing provides libmissing needed by baz-1.0-1.noarch");
        CHECK(std::string(e.what()).find("nothing provides libmissing") != std::string::npos);
        CHECK(e.kind() == ErrorKind::Conflict);
    }
}

TEST_CASE("resolve: conflicts and excludes are refused", "[layering][resolve]") {
    test::TempDir tmp;
    auto source = write_repo(tmp, "r", kFixture);
    Progress progress;
    CHECK_THROWS_AS(resolve(request_for(source, {"bar", "qux"}), progress), ResolveError);
    auto req = request_for(source, {"qux"});
    req.exclude = {"qux"};
    CHECK_THROWS_AS(resolve(req, progress), ResolveError);
}

TEST_CASE("resolve: an unknown name is NotFound", "[layering][resolve]") {
    test::TempDir tmp;
    auto source = write_repo(tmp, "r", kFixture);
    Progress progress;
    CHECK_THROWS_AS(resolve(request_for(source, {"nosuchpkg"}), progress), NotFoundError);
}

TEST_CASE("resolve: corrupt metadata is refused naming the repo", "[layering][resolve]") {
    test::TempDir tmp;
    auto source = write_repo(tmp, "r", kFixture);
    Progress progress;
    SECTION("primary does not match repomd") {
        fs::write_file_atomic(tmp.fd(), "r/repodata/primary.xml", "<metadata>garbage");
        try {
            resolve(request_for(source, {"bar"}), progress);
            FAIL("corrupt primary accepted");
        } catch (const CorruptError& e) {
            CHECK_THAT(e.what(), Catch::Contains("repository 'r'") &&
                                     Catch::Contains("does not match the checksum"));
        }
    }
    SECTION("repomd is not XML") {
        fs::write_file_atomic(tmp.fd(), "r/repodata/repomd.xml", "not xml at all <<<");
        CHECK_THROWS_AS(resolve(request_for(source, {"bar"}), progress), CorruptError);
    }
    SECTION("no repomd at all") {
        fs::remove_tree_at(tmp.fd(), "r/repodata");
        CHECK_THROWS_AS(resolve(request_for(source, {"bar"}), progress), NotFoundError);
    }
}
