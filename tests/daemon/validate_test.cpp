#include <catch2/catch.hpp>

#include "deploy/error.hpp"
#include "operation.hpp"
#include "validate.hpp"

namespace v = deployd::validate;

TEST_CASE("refspecs", "[daemon][validate]") {
    CHECK_NOTHROW(v::refspec("origin:os/stable"));
    CHECK_NOTHROW(v::refspec("os/stable"));
    for (const char* bad : {"", "../etc", "origin:../x", "bad remote:x", "origin:a//b",
                            "o:", "x\ny", "origin:/abs"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(v::refspec(bad), deploy::InvalidError);
    }
    CHECK_THROWS_AS(v::refspec(std::string(2000, 'a')), deploy::InvalidError);
}

TEST_CASE("kernel arguments", "[daemon][validate]") {
    CHECK_NOTHROW(v::kargs({"quiet", "console=ttyS0,115200", "a.b-c_d=1=2"}, "append", false));
    CHECK_NOTHROW(v::kargs({}, "append", false));
    CHECK_THROWS_AS(v::kargs({"deploy=/x"}, "append", false), deploy::InvalidError);
    CHECK_THROWS_AS(v::kargs({"a b"}, "append", false), deploy::InvalidError);
    CHECK_THROWS_AS(v::kargs({"=x"}, "append", false), deploy::InvalidError);
    CHECK_THROWS_AS(v::kargs({"q=\"x\""}, "append", false), deploy::InvalidError);
    CHECK_THROWS_AS(v::kargs({""}, "append", false), deploy::InvalidError);
    CHECK_THROWS_AS(v::kargs({"quiet"}, "replace", true), deploy::InvalidError);
    CHECK_THROWS_AS(v::kargs(std::vector<std::string>(300, "x"), "append", false),
                    deploy::InvalidError);
}

TEST_CASE("remotes, revisions, indexes", "[daemon][validate]") {
    CHECK_NOTHROW(v::remote_name("origin-2.x_y"));
    CHECK_THROWS_AS(v::remote_name("a/b"), deploy::InvalidError);
    CHECK_THROWS_AS(v::remote_name(".."), deploy::InvalidError);
    CHECK_NOTHROW(v::remote_url("file:///srv/repo"));
    CHECK_NOTHROW(v::remote_url("https://example.com/repo"));
    CHECK_THROWS_AS(v::remote_url("ftp://x"), deploy::InvalidError);
    CHECK_THROWS_AS(v::remote_url("file://relative"), deploy::InvalidError);
    CHECK_THROWS_AS(v::remote_url("file:///a b"), deploy::InvalidError);
    CHECK_NOTHROW(v::revision("41.20250101.0"));
    CHECK_THROWS_AS(v::revision("a/b"), deploy::InvalidError);
    CHECK_THROWS_AS(v::revision(""), deploy::InvalidError);
    CHECK_THROWS_AS(v::deployment_index(4294967295u), deploy::InvalidError);
}

TEST_CASE("join keys distinguish every argument", "[daemon][operation]") {
    using deployd::make_kargs;
    CHECK(make_kargs({"a", "b"}, {}, {}).key != make_kargs({"a"}, {"b"}, {}).key);
    CHECK(make_kargs({"a", "b"}, {"c", "d"}, {}).key != make_kargs({"a", "b"}, {}, {"c=d"}).key);
    CHECK(deployd::make_upgrade(true).key != deployd::make_upgrade(false).key);
    CHECK(deployd::make_pin(1, true).key == deployd::make_pin(1, true).key);
    CHECK(deployd::make_remote_add("a", "file:///b").action ==
          std::string("org.deployd.Deploy1.remotes"));
}
