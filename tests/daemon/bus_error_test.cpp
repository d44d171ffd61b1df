#include <catch2/catch.hpp>

#include "deployd/bus_error.hpp"

using deploy::ErrorKind;

TEST_CASE("engine errors map to named D-Bus errors and back", "[daemon][bus_error]") {
    CHECK(deployd::bus_error_name(ErrorKind::Busy) == "org.deployd.Deploy1.Error.Busy");
    CHECK(deployd::bus_error_name(ErrorKind::Invalid) == "org.deployd.Deploy1.Error.Invalid");
    CHECK(deployd::bus_error_name(ErrorKind::AccessDenied) ==
          "org.freedesktop.DBus.Error.AccessDenied");
    for (auto kind : {ErrorKind::Failed, ErrorKind::NotFound, ErrorKind::Invalid, ErrorKind::Busy,
                      ErrorKind::Conflict, ErrorKind::Corrupt, ErrorKind::NoSpace,
                      ErrorKind::Cancelled, ErrorKind::AccessDenied, ErrorKind::Signature}) {
        CHECK(deployd::error_kind_from_bus_name(deployd::bus_error_name(kind)) == kind);
    }
    CHECK(deployd::bus_error_name(ErrorKind::Signature) == "org.deployd.Deploy1.Error.Signature");
    CHECK(deployd::error_kind_from_bus_name("org.example.Other") == ErrorKind::Failed);
    auto e = deployd::to_bus_error(deploy::NotFoundError("no such ref"));
    CHECK(e.getName() == "org.deployd.Deploy1.Error.NotFound");
    CHECK(e.getMessage() == "no such ref");
    auto back = deployd::from_bus_error(e);
    CHECK(back.kind() == ErrorKind::NotFound);
    CHECK(std::string(back.what()) == "no such ref");
}
