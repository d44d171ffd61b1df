#include <catch2/catch.hpp>

#include "deploy/layering/db_diff.hpp"

using namespace deploy::layering;

TEST_CASE("db diff: added, removed, upgraded, downgraded by rpm version rules", "[layering]") {
    nlohmann::json a = nlohmann::json::parse(R"([
        {"name":"keep","nevra":"keep-1.0-1.noarch"},
        {"name":"gone","nevra":"gone-1.0-1.noarch"},
        {"name":"up","nevra":"up-1.9-1.noarch"},
        {"name":"down","nevra":"down-2:1.0-1.x86_64"}])");
    nlohmann::json b = nlohmann::json::parse(R"([
        {"name":"keep","nevra":"keep-1.0-1.noarch"},
        {"name":"new","nevra":"new-0.1-1.noarch"},
        {"name":"up","nevra":"up-1.10-1.noarch"},
        {"name":"down","nevra":"down-1:9.0-1.x86_64"}])");
    DbDiff d = diff_package_lists(a, b);
    CHECK(d.added == std::vector<std::string>{"new-0.1-1.noarch"});
    CHECK(d.removed == std::vector<std::string>{"gone-1.0-1.noarch"});
    REQUIRE(d.upgraded.size() == 1);
    CHECK(d.upgraded[0].to == "up-1.10-1.noarch");  // 1.10 > 1.9 for rpm
    REQUIRE(d.downgraded.size() == 1);
    CHECK(d.downgraded[0].name == "down");  // epoch 2 > 1
    CHECK(diff_package_lists(a, a).empty());
}
