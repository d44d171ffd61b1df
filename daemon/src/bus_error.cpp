#include "deployd/bus_error.hpp"

#include <array>

#include "deployd/names.hpp"

namespace deployd {

using deploy::ErrorKind;

namespace {
constexpr std::array kAllKinds = {
    ErrorKind::Failed,       ErrorKind::NotFound,  ErrorKind::Invalid, ErrorKind::Busy,
    ErrorKind::Conflict,     ErrorKind::Corrupt,   ErrorKind::NoSpace, ErrorKind::Cancelled,
    ErrorKind::AccessDenied, ErrorKind::Signature,
};
}  // namespace

std::string bus_error_name(ErrorKind kind) {
    if (kind == ErrorKind::AccessDenied)
        return kAccessDeniedError;
    return std::string(kErrorPrefix) + deploy::error_kind_name(kind);
}

sdbus::Error to_bus_error(const deploy::Error& error) {
    return sdbus::Error(bus_error_name(error.kind()), error.what());
}

ErrorKind error_kind_from_bus_name(const std::string& name) {
    if (name == kRateLimitedError)
        return ErrorKind::Busy;
    for (auto kind : kAllKinds) {
        if (bus_error_name(kind) == name)
            return kind;
    }
    return ErrorKind::Failed;
}

deploy::Error from_bus_error(const sdbus::Error& error) {
    std::string message = error.getMessage();
    if (message.empty())
        message = error.getName();
    return deploy::Error(error_kind_from_bus_name(error.getName()), message);
}

}  // namespace deployd
