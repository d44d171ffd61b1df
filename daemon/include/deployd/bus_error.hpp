// The one place where engine errors and D-Bus error names meet, in both directions: the daemon
// replies with named errors, deployctl turns them back into deploy::Error.
#pragma once

#include <string>

#include <sdbus-c++/Error.h>

#include "deploy/error.hpp"

namespace deployd {

// "org.deployd.Deploy1.Error.<Kind>"; AccessDenied is the standard
// org.freedesktop.DBus.Error.AccessDenied.
std::string bus_error_name(deploy::ErrorKind kind);

sdbus::Error to_bus_error(const deploy::Error& error);

// The kind behind a D-Bus error name; Failed for names deployd does not define.
deploy::ErrorKind error_kind_from_bus_name(const std::string& name);

// A deploy::Error carrying the D-Bus error's message (for the client).
deploy::Error from_bus_error(const sdbus::Error& error);

}  // namespace deployd
