// /etc/deployd.conf: the daemon's settings, INI style.
//
//   [Daemon]
//   IdleExitTimeout=60            seconds without a transaction or call before exiting; 0 = never
//   AutomaticUpdatePolicy=none    none | check | stage (what AutomaticUpdateTrigger does)
//   UnprivilegedReadBurst=20      read-only calls (GetStatus, EtcDiff) a non-root uid may make
//   UnprivilegedReadRate=5        at once, and per second after that (may be fractional)
//
// Unknown sections, keys or values are errors naming the file and line: a typo must not silently
// turn into a default.
#pragma once

#include <string>

#include "rate_limiter.hpp"

namespace deployd {

enum class AutomaticUpdatePolicy { None, Check, Stage };
const char* policy_name(AutomaticUpdatePolicy policy);

struct DaemonConfig {
    unsigned idle_exit_seconds = 60;
    AutomaticUpdatePolicy automatic_update_policy = AutomaticUpdatePolicy::None;
    RateLimits read_limits;
};

// Parses `text` read from `path` (for messages); throws deploy::InvalidError.
DaemonConfig parse_config(const std::string& text, const std::string& path);
// Reads and parses the file; a missing file gives the defaults when `required` is false.
DaemonConfig load_config(const std::string& path, bool required);

}  // namespace deployd
