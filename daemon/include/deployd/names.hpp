// Every name deployd shares with the outside world: bus name, object paths, interfaces, error
// names and polkit action ids. The interfaces themselves are defined in org.deployd.Deploy1.xml.
#pragma once

namespace deployd {

inline constexpr const char* kBusName = "org.deployd.Deploy1";
inline constexpr const char* kObjectPath = "/org/deployd/Deploy1";
inline constexpr const char* kManagerInterface = "org.deployd.Deploy1";
inline constexpr const char* kTransactionInterface = "org.deployd.Deploy1.Transaction";
// Transactions are exported at kTransactionPathPrefix + "<id>".
inline constexpr const char* kTransactionPathPrefix = "/org/deployd/Deploy1/Transaction/";

// Named errors are kErrorPrefix + error_kind_name(kind) ("org.deployd.Deploy1.Error.Busy").
inline constexpr const char* kErrorPrefix = "org.deployd.Deploy1.Error.";
inline constexpr const char* kAccessDeniedError = "org.freedesktop.DBus.Error.AccessDenied";
// A non-root caller over its share of read-only work (see rate_limiter.hpp); clients treat it as
// Busy. Not an engine error kind: only the daemon meters callers.
inline constexpr const char* kRateLimitedError = "org.deployd.Deploy1.Error.RateLimited";

// polkit actions, one per operation family (systemd/org.deployd.Deploy1.policy).
namespace action {
inline constexpr const char* kUpgrade = "org.deployd.Deploy1.upgrade";
inline constexpr const char* kDeploy = "org.deployd.Deploy1.deploy";
inline constexpr const char* kRebase = "org.deployd.Deploy1.rebase";
inline constexpr const char* kRollback = "org.deployd.Deploy1.rollback";
inline constexpr const char* kBootConfig = "org.deployd.Deploy1.bootconfig";
inline constexpr const char* kCleanup = "org.deployd.Deploy1.cleanup";
inline constexpr const char* kRemotes = "org.deployd.Deploy1.remotes";
inline constexpr const char* kInstallUninstall = "org.deployd.Deploy1.install-uninstall-packages";
inline constexpr const char* kOverride = "org.deployd.Deploy1.override";
// Reading the admin's /etc changes: names under root-only directories are not for everyone.
inline constexpr const char* kEtcDiff = "org.deployd.Deploy1.etc-diff";
}  // namespace action

inline constexpr const char* kPolkitBusName = "org.freedesktop.PolicyKit1";
inline constexpr const char* kPolkitObjectPath = "/org/freedesktop/PolicyKit1/Authority";
inline constexpr const char* kPolkitInterface = "org.freedesktop.PolicyKit1.Authority";

}  // namespace deployd
