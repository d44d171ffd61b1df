// Scoped use of librpm's global state. librpm keeps its configuration, macros and log callback in
// process globals, so every use in the engine goes through one RpmSession at a time:
//  - the configuration is read once;
//  - %_dbpath is pushed to usr/lib/sysimage/rpm for the session (Debian's librpm defaults it to
//    ~/.rpmdb; the path is always taken relative to a transaction's root dir, and the host's
//    rpmdb is never opened because every Ts gets a root dir before its db is opened);
//  - librpm's log goes to spdlog, and its error lines are kept so a failure can name them
//    (cf. dnf5 rpm_log_guard.hpp).
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace deploy::layering::rpm {

// The rpmdb location inside every tree we build.
inline constexpr const char* kDbPath = "/usr/lib/sysimage/rpm";

// Declared before a Ts opening the rpmdb of `root`, so it runs after the database is closed:
// removes sqlite's shared-memory index and an empty write-ahead log. They would make identical
// trees differ, and a -shm file committed to the store would be shared (hardlinked) by every
// deployment with the same content and written in place by the next sqlite reader.
class DbLeftoverCleanup {
  public:
    explicit DbLeftoverCleanup(std::string root) : root_(std::move(root)) {}
    ~DbLeftoverCleanup();
    DbLeftoverCleanup(const DbLeftoverCleanup&) = delete;
    DbLeftoverCleanup& operator=(const DbLeftoverCleanup&) = delete;

  private:
    std::string root_;
};

class RpmLogGuard {
  public:
    RpmLogGuard();
    ~RpmLogGuard();
    RpmLogGuard(const RpmLogGuard&) = delete;
    RpmLogGuard& operator=(const RpmLogGuard&) = delete;

    // Error-level lines logged since the guard was set, joined with "; ".
    std::string errors() const;

    // Called by the C trampoline for each librpm log line.
    void on_log(int priority, std::string text);

  private:
    friend class RpmLogCapture;
    std::vector<std::string> errors_;
    std::vector<std::string>* capture_ = nullptr;
};

class RpmSession {
  public:
    RpmSession();
    ~RpmSession();
    RpmSession(const RpmSession&) = delete;
    RpmSession& operator=(const RpmSession&) = delete;

    // Reads librpm's configuration (macros, rpmrc) now, once per process; the sandbox helper
    // does it before the host's files are out of its reach.
    static void load_configuration();

    const RpmLogGuard& log() const { return log_; }
    RpmLogGuard& log() { return log_; }

  private:
    std::unique_lock<std::mutex> lock_;
    RpmLogGuard log_;
};

// While alive, librpm's warning and error lines are collected in lines() and logged at debug
// level only: for a caller that reports them in its own one-line error (printing them as well
// would give the user a second "error:" line).
class RpmLogCapture {
  public:
    explicit RpmLogCapture(RpmSession& session) : guard_(session.log()) {
        guard_.capture_ = &lines_;
    }
    ~RpmLogCapture() { guard_.capture_ = nullptr; }
    RpmLogCapture(const RpmLogCapture&) = delete;
    RpmLogCapture& operator=(const RpmLogCapture&) = delete;

    const std::vector<std::string>& lines() const { return lines_; }

  private:
    RpmLogGuard& guard_;
    std::vector<std::string> lines_;
};

}  // namespace deploy::layering::rpm
