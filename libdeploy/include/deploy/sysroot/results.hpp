// The JSON shape of operation results, shared by deployctl's in-process backend and deployd (which
// hands it to clients as a transaction's Result), so both paths render through one code path.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

// {"deployment":{"id","os","commit","version","path","kargs"},"etc_conflicts":[...],
//  "removed_deployments":[...]}
nlohmann::json deploy_result_json(const DeployResult& result);

// {"outcome":"deployed"|"no-update"|"update-available","commit","version"} plus the deploy result
// fields when deployed.
nlohmann::json upgrade_result_json(const UpgradeResult& result);

// {"deployment":{"id","version","commit"}}: the new default.
nlohmann::json rollback_result_json(const Deployment& new_default);

// {"changed":bool,"kargs":[...]} plus the deploy result fields when changed. `current` is the
// default deployment's arguments, reported when nothing changed.
nlohmann::json kargs_result_json(const std::optional<DeployResult>& result,
                                 const std::vector<std::string>& current);

// Runs a kargs request: an empty edit only reports the default deployment's arguments.
nlohmann::json run_kargs(Sysroot& sysroot, const KargsEdit& edit, Progress& progress);

// {"objects_removed":N,"bytes_freed":N,"removed_deployments":[...]}
nlohmann::json cleanup_result_json(const CleanupResult& result);

// [{"status":"M"|"A"|"D","path":"..."}]
nlohmann::json etc_diff_json(const std::vector<etc::EtcChange>& changes);

}  // namespace deploy::sysroot
