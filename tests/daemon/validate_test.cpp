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
    CHECK_THROWS_AS(v::kargs({"q=\"x"}, "append", false), deploy::InvalidError);
    // The engine's rule (deploy::boot::normalize_kernel_arg): quoted values with spaces are
    // kernel syntax; GRUB metacharacters are not.
    CHECK_NOTHROW(v::kargs({"q=\"x y\"", "r=a b"}, "append", false));
    CHECK_THROWS_WITH(v::kargs({"x;reboot"}, "append", false),
                      "invalid kernel argument 'x;reboot': ';' is not allowed (GRUB would "
                      "interpret it)");
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
    CHECK(deployd::make_remote_add("a", "file:///b").actions ==
          std::vector<std::string>{"org.deployd.Deploy1.remotes"});
    CHECK(deployd::make_reset_layering().actions ==
          std::vector<std::string>{"org.deployd.Deploy1.install-uninstall-packages",
                                   "org.deployd.Deploy1.override"});
    CHECK(deployd::make_override_reset({"a"}, false).key !=
          deployd::make_override_reset({}, true).key);
    CHECK(deployd::make_uninstall({"a", "b"}).key != deployd::make_override_remove({"a", "b"}).key);
}

TEST_CASE("package arguments", "[daemon][validate]") {
    CHECK_NOTHROW(v::package_specs(
        {"bar", "libfoo.so.1", "/usr/bin/tool", "pkgconfig(foo)", "foo >= 1.2", "libstdc++"},
        "packages"));
    for (const char* bad :
         {"", "x.rpm", "/tmp/evil.rpm", "-x", " x", "x ", "a  b", "a\tb", "a\nb", "caf\xc3\xa9"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(v::package_specs({"ok", bad}, "packages"), deploy::InvalidError);
    }
    try {
        v::package_specs({"ok", "/tmp/x.rpm"}, "packages");
        FAIL("accepted a path");
    } catch (const deploy::InvalidError& e) {
        CHECK(std::string(e.what()).find("packages[1]") != std::string::npos);
    }
    CHECK_NOTHROW(
        v::package_names({"bar", "libstdc++", "localtool-2.0-1.noarch.rpm", "a~b^c"}, "packages"));
    for (const char* bad : {"", "a b", "a/b", "..", "-x", ".x", "pkgconfig(foo)", "x\001"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(v::package_names({bad}, "packages"), deploy::InvalidError);
    }
    CHECK_THROWS_AS(v::package_specs(std::vector<std::string>(2000, "x"), "packages"),
                    deploy::InvalidError);
}

TEST_CASE("empty package lists are refused naming the argument", "[daemon][operation]") {
    auto message = [](auto fn) {
        try {
            fn();
        } catch (const deploy::InvalidError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(message([] { deployd::make_install({}, {}); }).find("packages and local_packages") == 0);
    CHECK(message([] { deployd::make_uninstall({}); }).find("packages is empty") == 0);
    CHECK(message([] { deployd::make_override_remove({}); }).find("packages is empty") == 0);
    CHECK(message([] { deployd::make_override_replace({}); }).find("local_packages is empty") == 0);
    CHECK(message([] { deployd::make_override_reset({}, false); }).find("packages is empty") == 0);
    CHECK(message([] { deployd::make_override_reset({"a"}, true); }).find("packages must be") == 0);
}
