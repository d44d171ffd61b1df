#include "deploy/error.hpp"

#include <cerrno>
#include <cstring>

namespace deploy {

const char* error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Failed:
            return "Failed";
        case ErrorKind::NotFound:
            return "NotFound";
        case ErrorKind::Invalid:
            return "Invalid";
        case ErrorKind::Busy:
            return "Busy";
        case ErrorKind::Conflict:
            return "Conflict";
        case ErrorKind::Corrupt:
            return "Corrupt";
        case ErrorKind::NoSpace:
            return "NoSpace";
        case ErrorKind::Cancelled:
            return "Cancelled";
        case ErrorKind::AccessDenied:
            return "AccessDenied";
        case ErrorKind::Signature:
            return "Signature";
    }
    return "Failed";
}

static ErrorKind kind_of_errno(int code) {
    switch (code) {
        case ENOENT:
            return ErrorKind::NotFound;
        case ENOSPC:
        case EDQUOT:
            return ErrorKind::NoSpace;
        case EACCES:
        case EPERM:
            return ErrorKind::AccessDenied;
        default:
            return ErrorKind::Failed;
    }
}

SystemError::SystemError(int code, const std::string& what, const std::string& path)
    : Error(kind_of_errno(code), what + " " + path + ": " + std::strerror(code)),
      code_(code),
      path_(path) {}

void throw_errno(const std::string& what, const std::string& path) {
    throw SystemError(errno, what, path);
}

}  // namespace deploy
