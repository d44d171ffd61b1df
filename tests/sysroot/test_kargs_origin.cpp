// Kernel argument edits, the origin record and deploy= path parsing.
#include <catch2/catch.hpp>

#include "deploy/error.hpp"
#include "deploy/sysroot/deployment.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/origin.hpp"

using namespace deploy;
using namespace deploy::sysroot;
using Args = std::vector<std::string>;

namespace {
Args edit(Args kargs, Args append, Args remove, Args replace) {
    KargsEdit e;
    e.append = std::move(append);
    e.remove = std::move(remove);
    e.replace = std::move(replace);
    return apply_kargs_edit(std::move(kargs), e);
}
}  // namespace

TEST_CASE("kargs append", "[sysroot][kargs]") {
    CHECK(edit({"quiet"}, {"console=ttyS0"}, {}, {}) == Args{"quiet", "console=ttyS0"});
    // Appending an identical argument is a no-op; same key, other value is a second argument.
    CHECK(edit({"quiet"}, {"quiet"}, {}, {}) == Args{"quiet"});
    CHECK(edit({"console=tty0"}, {"console=ttyS0"}, {}, {}) ==
          Args{"console=tty0", "console=ttyS0"});
    CHECK(edit({}, {"a=1", "b"}, {}, {}) == Args{"a=1", "b"});
}

TEST_CASE("kargs delete", "[sysroot][kargs]") {
    SECTION("by key removes every value") {
        CHECK(edit({"console=tty0", "quiet", "console=ttyS0"}, {}, {"console"}, {}) ==
              Args{"quiet"});
    }
    SECTION("by KEY=VALUE removes only that one") {
        CHECK(edit({"console=tty0", "console=ttyS0"}, {}, {"console=tty0"}, {}) ==
              Args{"console=ttyS0"});
    }
    SECTION("a key that is not set is an error") {
        CHECK_THROWS_AS(edit({"quiet"}, {}, {"splash"}, {}), NotFoundError);
        CHECK_THROWS_AS(edit({"a=1"}, {}, {"a=2"}, {}), NotFoundError);
    }
}

TEST_CASE("kargs replace", "[sysroot][kargs]") {
    CHECK(edit({"quiet", "console=tty0", "x", "console=ttyS0"}, {}, {}, {"console=ttyS1"}) ==
          Args{"quiet", "console=ttyS1", "x"});
    CHECK_THROWS_AS(edit({"quiet"}, {}, {}, {"console=tty0"}), NotFoundError);
    CHECK_THROWS_AS(edit({"console=tty0"}, {}, {}, {"console"}), InvalidError);
}

TEST_CASE("kargs order of operations: delete, replace, append", "[sysroot][kargs]") {
    CHECK(edit({"a=1", "b=1"}, {"a=3"}, {"a"}, {"b=2"}) == Args{"b=2", "a=3"});
}

TEST_CASE("invalid kernel arguments are refused", "[sysroot][kargs]") {
    for (const char* bad : {"", "=x", "a b", "a\"b", "a\tb", "a\nb", "deploy=/x", "deploy"}) {
        INFO(bad);
        CHECK_THROWS_AS(edit({}, {bad}, {}, {}), InvalidError);
    }
    CHECK_THROWS_AS(edit({"deploy=/x"}, {}, {"deploy"}, {}), InvalidError);
    CHECK_THROWS_AS(edit({}, {}, {}, {"deploy=/y"}), InvalidError);
    // The input is untouched by a failed edit.
    Args kargs{"quiet"};
    CHECK_THROWS(edit(kargs, {"ok"}, {"missing"}, {}));
    CHECK(kargs == Args{"quiet"});
}

TEST_CASE("origin JSON round trip", "[sysroot][origin]") {
    Origin o;
    o.refspec = "origin:os/x86_64/stable";
    o.base_commit = std::string(64, 'a');
    o.pinned = true;
    o.etc_conflicts = {"hosts", "ssh/sshd_config"};
    o.requested_packages = {"vim", "htop"};
    o.requested_local_packages = {"foo-1.0-1.x86_64"};
    o.removed_packages = {"nano"};
    o.replaced_packages = {"kernel"};
    Origin back = Origin::from_json(nlohmann::json::parse(o.to_json().dump()), "test");
    CHECK(back.refspec == o.refspec);
    CHECK(back.base_commit == o.base_commit);
    CHECK(back.pinned);
    CHECK(back.etc_conflicts == o.etc_conflicts);
    CHECK(back.requested_packages == o.requested_packages);
    CHECK(back.requested_local_packages == o.requested_local_packages);
    CHECK(back.removed_packages == o.removed_packages);
    CHECK(back.replaced_packages == o.replaced_packages);
}

TEST_CASE("origin: optional fields default, malformed is CorruptError naming it",
          "[sysroot][origin]") {
    Origin o = Origin::from_json({{"refspec", "os/stable"}, {"base_commit", "abc"}}, "x");
    CHECK_FALSE(o.pinned);
    CHECK(o.etc_conflicts.empty());
    CHECK(o.requested_packages.empty());
    for (auto bad :
         {nlohmann::json::object(), nlohmann::json::array(), nlohmann::json(42),
          nlohmann::json{{"refspec", 1}, {"base_commit", "abc"}}, nlohmann::json{{"refspec", "r"}},
          nlohmann::json{{"refspec", "r"}, {"base_commit", "c"}, {"pinned", "yes"}},
          nlohmann::json{{"refspec", "r"}, {"base_commit", "c"}, {"etc_conflicts", 3}}}) {
        INFO(bad.dump());
        try {
            Origin::from_json(bad, "deploy/x/y.origin");
            FAIL("accepted");
        } catch (const CorruptError& e) {
            CHECK(std::string(e.what()).find("deploy/x/y.origin") != std::string::npos);
        }
    }
}

TEST_CASE("split_refspec", "[sysroot][origin]") {
    CHECK(split_refspec("origin:os/stable") ==
          std::pair<std::string, std::string>{"origin", "os/stable"});
    CHECK(split_refspec("os/stable") == std::pair<std::string, std::string>{"", "os/stable"});
    CHECK(split_refspec(":os/stable") == std::pair<std::string, std::string>{"", "os/stable"});
}

TEST_CASE("parse_deploy_path accepts exactly /deploy/<os>/<commit>.<serial>",
          "[sysroot][deployment]") {
    const std::string c(64, 'a');
    auto d = parse_deploy_path("/deploy/myos/" + c + ".3");
    REQUIRE(d);
    CHECK(d->os == "myos");
    CHECK(d->commit == c);
    CHECK(d->serial == 3);
    CHECK(d->boot_path() == "/deploy/myos/" + c + ".3");
    CHECK(d->relpath() == "deploy/myos/" + c + ".3");
    CHECK(d->origin_relpath() == "deploy/myos/" + c + ".3.origin");

    const std::vector<std::string> hostile{
        std::string(),
        "/",
        "/deploy",
        "/deploy/",
        "/deploy/myos",
        "/deploy/myos/",
        "deploy/myos/" + c + ".0",  // relative
        "/boot/myos/" + c + ".0",   // other prefix
        "/deploy/myos/" + c,        // no serial
        "/deploy/myos/" + c + ".",  // empty serial
        "/deploy/myos/" + c + ".-1",
        "/deploy/myos/" + c + ".+1",
        "/deploy/myos/" + c + ".1a",
        "/deploy/myos/" + c + ".0.origin",  // origin file
        "/deploy/myos/" + c + ".9999999",   // absurd serial
        "/deploy/myos/" + c + ".99999999999999999999",
        "/deploy/myos/" + std::string(63, 'a') + ".0",  // short commit
        "/deploy/myos/" + std::string(65, 'a') + ".0",
        "/deploy/myos/" + std::string(64, 'g') + ".0",  // not hex
        "/deploy/myos/" + std::string(64, 'A') + ".0",  // upper case
        "/deploy/../" + c + ".0",
        "/deploy/./" + c + ".0",
        "/deploy//" + c + ".0",
        "/deploy/myos/../" + c + ".0",  // traversal
        "/deploy/myos/x/" + c + ".0",   // extra component
        "/deploy/myos/" + c + ".0/",    // trailing slash
        "/deploy/my os/" + c + ".0",
        std::string("/deploy/myos/") + c + std::string(".0\0", 3),
    };
    for (const auto& bad : hostile) {
        INFO(bad);
        CHECK_FALSE(parse_deploy_path(bad).has_value());
    }
}
