#include "operation.hpp"

#include <memory>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/layering/layer.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/results.hpp"
#include "deployd/names.hpp"
#include "local_rpm.hpp"
#include "validate.hpp"

namespace deployd {

using nlohmann::json;
namespace sr = deploy::sysroot;

namespace {

// The join key: method name and its arguments, unambiguously encoded.
std::string request_key(const std::string& method, const json& args) {
    return method + args.dump();
}

void require_some(const std::vector<std::string>& values, const char* what) {
    if (values.empty())
        throw deploy::InvalidError(fmt::format("{} is empty: name at least one package", what));
}

// The caller's descriptors, checked and duplicated; shared by the copies of the request's
// std::function. Copied into private files only when the work runs.
using SharedLocalRpms = std::shared_ptr<const std::vector<LocalRpm>>;

json identities(const std::vector<LocalRpm>& rpms) {
    json out = json::array();
    for (const auto& rpm : rpms)
        out.push_back(rpm.identity);
    return out;
}

// What the engine's layering functions return, as the Result JSON.
template <typename Fn>
OperationRequest layering_request(std::string operation, std::vector<std::string> actions,
                                  std::string key, Fn fn) {
    return {std::move(operation), std::move(actions), std::move(key),
            [fn](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::deploy_result_json(fn(sysroot, progress));
            }};
}

}  // namespace

OperationRequest make_upgrade(bool check_only) {
    return {"upgrade",
            {action::kUpgrade},
            request_key("Upgrade", json::array({check_only})),
            [check_only](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::upgrade_result_json(sr::upgrade(sysroot, {check_only}, progress));
            }};
}

OperationRequest make_deploy(const std::string& revision) {
    validate::revision(revision);
    return {"deploy",
            {action::kDeploy},
            request_key("Deploy", json::array({revision})),
            [revision](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::deploy_result_json(sr::deploy_revision(sysroot, revision, progress));
            }};
}

OperationRequest make_rebase(const std::string& refspec) {
    validate::refspec(refspec);
    return {"rebase",
            {action::kRebase},
            request_key("Rebase", json::array({refspec})),
            [refspec](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::deploy_result_json(sr::rebase(sysroot, refspec, progress));
            }};
}

OperationRequest make_rollback() {
    return {"rollback",
            {action::kRollback},
            request_key("Rollback", json::array()),
            [](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::rollback_result_json(sr::rollback(sysroot, progress));
            }};
}

OperationRequest make_kargs(const std::vector<std::string>& append,
                            const std::vector<std::string>& remove,
                            const std::vector<std::string>& replace) {
    validate::kargs(append, "append", false);
    validate::kargs(remove, "delete", false);
    validate::kargs(replace, "replace", true);
    sr::KargsEdit edit{append, remove, replace};
    return {"kargs",
            {action::kBootConfig},
            request_key("KernelArgs", json::array({append, remove, replace})),
            [edit](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::run_kargs(sysroot, edit, progress);
            }};
}

OperationRequest make_cleanup() {
    return {"cleanup",
            {action::kCleanup},
            request_key("Cleanup", json::array()),
            [](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::cleanup_result_json(sr::cleanup(sysroot, progress));
            }};
}

OperationRequest make_pin(uint32_t index, bool pinned) {
    validate::deployment_index(index);
    return {"pin",
            {action::kBootConfig},
            request_key("Pin", json::array({index, pinned})),
            [index, pinned](sr::Sysroot& sysroot, deploy::Progress&) {
                sr::set_pinned(sysroot, index, pinned);
                return json::object();
            }};
}

OperationRequest make_remote_add(const std::string& name, const std::string& url) {
    validate::remote_name(name);
    validate::remote_url(url);
    return {"remote-add",
            {action::kRemotes},
            request_key("RemoteAdd", json::array({name, url})),
            [name, url](sr::Sysroot& sysroot, deploy::Progress&) {
                sr::add_remote(sysroot, name, url);
                return json::object();
            }};
}

OperationRequest make_upgrade_preview() {
    return {"upgrade-preview",
            {action::kUpgrade},
            request_key("UpgradePreview", json::array()),
            [](sr::Sysroot& sysroot, deploy::Progress& progress) {
                sr::UpgradeOptions options;
                options.preview = true;
                return sr::upgrade_result_json(sr::upgrade(sysroot, options, progress));
            }};
}

OperationRequest make_install(const std::vector<std::string>& packages,
                              const std::vector<int>& local_packages) {
    if (packages.empty() && local_packages.empty()) {
        throw deploy::InvalidError(
            "packages and local_packages are both empty: name at least one package");
    }
    validate::package_specs(packages, "packages");
    SharedLocalRpms local = std::make_shared<std::vector<LocalRpm>>(
        accept_local_rpms(local_packages, "local_packages"));
    return layering_request("install", {action::kInstallUninstall},
                            request_key("Install", json::array({packages, identities(*local)})),
                            [packages, local](sr::Sysroot& sysroot, deploy::Progress& progress) {
                                LocalRpmCopies copies(*local);
                                auto specs = packages;
                                specs.insert(specs.end(), copies.paths().begin(),
                                             copies.paths().end());
                                return deploy::layering::install_packages(sysroot, specs, progress);
                            });
}

OperationRequest make_uninstall(const std::vector<std::string>& packages) {
    require_some(packages, "packages");
    validate::package_names(packages, "packages");
    return layering_request(
        "uninstall", {action::kInstallUninstall}, request_key("Uninstall", json::array({packages})),
        [packages](sr::Sysroot& sysroot, deploy::Progress& progress) {
            return deploy::layering::uninstall_packages(sysroot, packages, progress);
        });
}

OperationRequest make_override_remove(const std::vector<std::string>& packages) {
    require_some(packages, "packages");
    validate::package_names(packages, "packages");
    return layering_request("override-remove", {action::kOverride},
                            request_key("OverrideRemove", json::array({packages})),
                            [packages](sr::Sysroot& sysroot, deploy::Progress& progress) {
                                return deploy::layering::override_remove(sysroot, packages,
                                                                         progress);
                            });
}

OperationRequest make_override_replace(const std::vector<int>& local_packages) {
    if (local_packages.empty()) {
        throw deploy::InvalidError(
            "local_packages is empty: pass at least one package file descriptor");
    }
    SharedLocalRpms local = std::make_shared<std::vector<LocalRpm>>(
        accept_local_rpms(local_packages, "local_packages"));
    return layering_request("override-replace", {action::kOverride},
                            request_key("OverrideReplace", json::array({identities(*local)})),
                            [local](sr::Sysroot& sysroot, deploy::Progress& progress) {
                                LocalRpmCopies copies(*local);
                                return deploy::layering::override_replace(sysroot, copies.paths(),
                                                                          progress);
                            });
}

OperationRequest make_override_reset(const std::vector<std::string>& packages, bool all) {
    if (all && !packages.empty())
        throw deploy::InvalidError("packages must be empty when all is true");
    if (!all)
        require_some(packages, "packages");
    validate::package_names(packages, "packages");
    return layering_request("override-reset", {action::kOverride},
                            request_key("OverrideReset", json::array({packages, all})),
                            [packages, all](sr::Sysroot& sysroot, deploy::Progress& progress) {
                                return deploy::layering::override_reset(sysroot, packages, all,
                                                                        progress);
                            });
}

OperationRequest make_reset_layering() {
    return layering_request("reset", {action::kInstallUninstall, action::kOverride},
                            request_key("ResetLayering", json::array()),
                            [](sr::Sysroot& sysroot, deploy::Progress& progress) {
                                return deploy::layering::reset_layering(sysroot, progress);
                            });
}

}  // namespace deployd
