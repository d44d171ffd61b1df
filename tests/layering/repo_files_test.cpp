#include <catch2/catch.hpp>

#include "deploy/error.hpp"
#include "deploy/layering/repo_source.hpp"
#include "deploy/layering/treefile.hpp"

using namespace deploy::layering;

TEST_CASE("repo files: sections, booleans, comments", "[layering]") {
    auto repos = parse_repo_file(
        "# comment\n[base]\nname=Base\nbaseurl=file:///srv/base\n"
        "enabled=1\ngpgcheck=0\n\n[extra]\nbaseurl = http://x/y/\n"
        "enabled=0\ngpgcheck=1\ngpgkey=file:///k\n",
        "test.repo");
    REQUIRE(repos.size() == 2);
    CHECK(repos[0].name == "base");
    CHECK(repos[0].baseurl == "file:///srv/base");
    CHECK(repos[0].enabled);
    CHECK_FALSE(repos[0].gpgcheck);
    CHECK(repos[1].baseurl == "http://x/y/");
    CHECK_FALSE(repos[1].enabled);
    CHECK(repos[1].gpgcheck);
    CHECK(repos[1].gpgkey == "file:///k");
}

TEST_CASE("repo files: an enabled repo needs a baseurl", "[layering]") {
    CHECK_THROWS_AS(parse_repo_file("[x]\nmetalink=http://m\n", "x.repo"), deploy::InvalidError);
    CHECK_THROWS_AS(parse_repo_file("baseurl=file:///a\n", "x.repo"), deploy::InvalidError);
}

TEST_CASE("treefile: fields and errors", "[layering]") {
    auto t = parse_treefile(R"({"ref":"os/base","version":"1","repos":[{"name":"r",)"
                            R"("baseurl":"file:///r"}],"packages":["a","b"],"exclude":["c"],)"
                            R"("kernel_args":["quiet"]})",
                            "t.json");
    CHECK(t.ref == "os/base");
    CHECK(t.packages == std::vector<std::string>{"a", "b"});
    CHECK(t.exclude == std::vector<std::string>{"c"});
    CHECK(t.kernel_args == std::vector<std::string>{"quiet"});
    // kernel_args get the one kernel-argument rule: canonical form, or refused naming the file.
    const std::string head = R"({"ref":"x","repos":[{"name":"r","baseurl":"file:///r"}],)"
                             R"("packages":["a"],"kernel_args":)";
    CHECK(parse_treefile(head + R"(["foo=a b"]})", "t.json").kernel_args ==
          std::vector<std::string>{"foo=\"a b\""});
    CHECK_THROWS_WITH(parse_treefile(head + R"(["deploy=/deploy/os/x.7"]})", "t.json"),
                      "t.json: kernel_args: invalid kernel argument 'deploy=/deploy/os/x.7': "
                      "'deploy' is managed by deployd");
    CHECK_THROWS_WITH(parse_treefile(head + R"(["x;reboot"]})", "t.json"),
                      Catch::StartsWith("t.json: kernel_args: invalid kernel argument"));
    CHECK_THROWS_AS(parse_treefile("{", "t.json"), deploy::InvalidError);
    CHECK_THROWS_AS(parse_treefile(R"({"ref":"x","repos":[],"packages":["a"]})", "t.json"),
                    deploy::InvalidError);
    CHECK_THROWS_AS(parse_treefile(R"({"repos":[{"name":"r","baseurl":"file:///r"}],)"
                                   R"("packages":["a"]})",
                                   "t.json"),
                    deploy::InvalidError);
}
