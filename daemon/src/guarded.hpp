// Runs the body of a D-Bus handler so that every failure leaves as a named D-Bus error:
// sdbus-c++ converts only sdbus::Error, and anything else escaping into sd-bus would take the
// daemon down. The names come from the one mapping in bus_error.cpp.
#pragma once

#include <sdbus-c++/Error.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deployd/bus_error.hpp"

namespace deployd {

template <typename Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const sdbus::Error&) {
        throw;
    } catch (const deploy::Error& e) {
        spdlog::debug("call failed: {}", e.what());
        throw to_bus_error(e);
    } catch (const std::exception& e) {
        spdlog::error("call failed unexpectedly: {}", e.what());
        throw to_bus_error(deploy::Error(deploy::ErrorKind::Failed, e.what()));
    }
}

}  // namespace deployd
