// The status report: the same JSON for `status --json`, the CLI's table and the daemon.
#pragma once

#include <nlohmann/json.hpp>

#include "deploy/sysroot/sysroot.hpp"

namespace deploy::sysroot {

// {"os":..., "deployments":[{id, os, commit, base_commit, version, timestamp, path, booted,
//   default, rollback, pinned, staged, refspec, layered_packages, removed_packages,
//   replaced_packages, kargs, etc_conflicts, index}, ...]} in boot order.
nlohmann::json status_json(const Sysroot& sysroot);

}  // namespace deploy::sysroot
