// The one error hierarchy of the engine. Every failure that reaches a user is a deploy::Error with
// a kind (what class of failure, mapped to D-Bus error names and exit codes in exactly one place)
// and a one-line message naming what is wrong and where.
#pragma once

#include <stdexcept>
#include <string>

namespace deploy {

enum class ErrorKind {
    Failed,        // generic failure of an operation
    NotFound,      // a ref, commit, object, deployment or package does not exist
    Invalid,       // bad input: argument, path, tree, object encoding
    Busy,          // another writer holds the sysroot lock
    Conflict,      // the request contradicts the current state (e.g. /etc type change)
    Corrupt,       // stored data does not match its checksum or format
    NoSpace,       // refusing to fill a filesystem
    Cancelled,     // the caller cancelled the operation
    AccessDenied,  // the caller is not allowed to do this
    Signature,     // a package failed signature checking (gpgcheck), or its key cannot be loaded
};

// Stable machine name of a kind ("NotFound", "Invalid", ...); used for D-Bus error names.
const char* error_kind_name(ErrorKind kind);

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string message)
        : std::runtime_error(std::move(message)), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

  private:
    ErrorKind kind_;
};

struct NotFoundError : Error {
    explicit NotFoundError(std::string m) : Error(ErrorKind::NotFound, std::move(m)) {}
};
struct InvalidError : Error {
    explicit InvalidError(std::string m) : Error(ErrorKind::Invalid, std::move(m)) {}
};
struct BusyError : Error {
    explicit BusyError(std::string m) : Error(ErrorKind::Busy, std::move(m)) {}
};
struct ConflictError : Error {
    explicit ConflictError(std::string m) : Error(ErrorKind::Conflict, std::move(m)) {}
};
struct CorruptError : Error {
    explicit CorruptError(std::string m) : Error(ErrorKind::Corrupt, std::move(m)) {}
};
struct NoSpaceError : Error {
    explicit NoSpaceError(std::string m) : Error(ErrorKind::NoSpace, std::move(m)) {}
};
struct SignatureError : Error {
    explicit SignatureError(std::string m) : Error(ErrorKind::Signature, std::move(m)) {}
};
struct CancelledError : Error {
    explicit CancelledError(std::string m = "operation cancelled")
        : Error(ErrorKind::Cancelled, std::move(m)) {}
};

// A failed system call: "<what> <path>: <strerror(errno)>".
class SystemError : public Error {
  public:
    SystemError(int code, const std::string& what, const std::string& path);
    int code() const noexcept { return code_; }
    const std::string& path() const noexcept { return path_; }

  private:
    int code_;
    std::string path_;
};

// Throws SystemError with the current errno.
[[noreturn]] void throw_errno(const std::string& what, const std::string& path);

}  // namespace deploy
