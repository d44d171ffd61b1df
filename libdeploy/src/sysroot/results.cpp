#include "deploy/sysroot/results.hpp"

#include "deploy/error.hpp"

namespace deploy::sysroot {

using nlohmann::json;

json deploy_result_json(const DeployResult& result) {
    return {{"deployment",
             {{"id", result.deployment.id()},
              {"os", result.deployment.os},
              {"commit", result.deployment.commit},
              {"version", result.deployment.version},
              {"path", result.deployment.boot_path()},
              {"kargs", result.deployment.kargs}}},
            {"etc_conflicts", result.etc_conflicts},
            {"removed_deployments", result.removed_deployments}};
}

json upgrade_result_json(const UpgradeResult& result) {
    json out = {{"commit", result.commit}, {"version", result.version}};
    switch (result.outcome) {
        case UpgradeOutcome::Deployed:
            out["outcome"] = "deployed";
            if (result.deployed)
                out.update(deploy_result_json(*result.deployed));
            break;
        case UpgradeOutcome::NoUpdate:
            out["outcome"] = "no-update";
            break;
        case UpgradeOutcome::UpdateAvailable:
            out["outcome"] = "update-available";
            if (!result.package_diff.is_null())
                out["package_diff"] = result.package_diff;
            break;
    }
    return out;
}

json rollback_result_json(const Deployment& new_default) {
    return {{"deployment",
             {{"id", new_default.id()},
              {"version", new_default.version},
              {"commit", new_default.commit}}}};
}

json kargs_result_json(const std::optional<DeployResult>& result,
                       const std::vector<std::string>& current) {
    if (!result)
        return {{"changed", false}, {"kargs", current}};
    json out = deploy_result_json(*result);
    out["changed"] = true;
    out["kargs"] = result->deployment.kargs;
    return out;
}

json run_kargs(Sysroot& sysroot, const KargsEdit& edit, Progress& progress) {
    std::optional<DeployResult> result;
    if (!edit.empty())
        result = edit_kargs(sysroot, edit, progress);
    if (result)
        return kargs_result_json(result, {});
    auto list = sysroot.deployments();
    if (list.empty())
        throw NotFoundError("no deployment yet");
    return kargs_result_json(std::nullopt, list.front().kargs);
}

json cleanup_result_json(const CleanupResult& result) {
    return {{"objects_removed", result.objects_removed},
            {"bytes_freed", result.bytes_freed},
            {"removed_deployments", result.removed_deployments}};
}

json etc_diff_json(const std::vector<etc::EtcChange>& changes) {
    json out = json::array();
    for (const auto& c : changes) {
        out.push_back({{"status", std::string(1, c.status)}, {"path", c.path}});
    }
    return out;
}

}  // namespace deploy::sysroot
