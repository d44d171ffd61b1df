// Test seams are read only when the build enables them (DEPLOYD_TEST_SEAMS) and only when set
// to something: an empty variable is the same as none.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <string>

#include "deploy/util/test_seam.hpp"

TEST_CASE("test seams follow the environment in a test build", "[seam]") {
    ::setenv("DEPLOYD_TEST_SEAM_PROBE", "42", 1);
    if (deploy::test_seams_enabled()) {
        REQUIRE(deploy::test_seam("DEPLOYD_TEST_SEAM_PROBE") != nullptr);
        CHECK(std::string(deploy::test_seam("DEPLOYD_TEST_SEAM_PROBE")) == "42");
    } else {
        CHECK(deploy::test_seam("DEPLOYD_TEST_SEAM_PROBE") == nullptr);
    }
    ::setenv("DEPLOYD_TEST_SEAM_PROBE", "", 1);
    CHECK(deploy::test_seam("DEPLOYD_TEST_SEAM_PROBE") == nullptr);
    ::unsetenv("DEPLOYD_TEST_SEAM_PROBE");
    CHECK(deploy::test_seam("DEPLOYD_TEST_SEAM_PROBE") == nullptr);
}
