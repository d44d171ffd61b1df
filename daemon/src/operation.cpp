#include "operation.hpp"

#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/results.hpp"
#include "deployd/names.hpp"
#include "validate.hpp"

namespace deployd {

using nlohmann::json;
namespace sr = deploy::sysroot;

namespace {

// The join key: method name and its arguments, unambiguously encoded.
std::string request_key(const std::string& method, const json& args) {
    return method + args.dump();
}

}  // namespace

OperationRequest make_upgrade(bool check_only) {
    return {"upgrade", action::kUpgrade, request_key("Upgrade", json::array({check_only})),
            [check_only](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::upgrade_result_json(sr::upgrade(sysroot, {check_only}, progress));
            }};
}

OperationRequest make_deploy(const std::string& revision) {
    validate::revision(revision);
    return {"deploy", action::kDeploy, request_key("Deploy", json::array({revision})),
            [revision](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::deploy_result_json(sr::deploy_revision(sysroot, revision, progress));
            }};
}

OperationRequest make_rebase(const std::string& refspec) {
    validate::refspec(refspec);
    return {"rebase", action::kRebase, request_key("Rebase", json::array({refspec})),
            [refspec](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::deploy_result_json(sr::rebase(sysroot, refspec, progress));
            }};
}

OperationRequest make_rollback() {
    return {"rollback", action::kRollback, request_key("Rollback", json::array()),
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
    return {"kargs", action::kBootConfig,
            request_key("KernelArgs", json::array({append, remove, replace})),
            [edit](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::run_kargs(sysroot, edit, progress);
            }};
}

OperationRequest make_cleanup() {
    return {"cleanup", action::kCleanup, request_key("Cleanup", json::array()),
            [](sr::Sysroot& sysroot, deploy::Progress& progress) {
                return sr::cleanup_result_json(sr::cleanup(sysroot, progress));
            }};
}

OperationRequest make_pin(uint32_t index, bool pinned) {
    validate::deployment_index(index);
    return {"pin", action::kBootConfig, request_key("Pin", json::array({index, pinned})),
            [index, pinned](sr::Sysroot& sysroot, deploy::Progress&) {
                sr::set_pinned(sysroot, index, pinned);
                return json::object();
            }};
}

OperationRequest make_remote_add(const std::string& name, const std::string& url) {
    validate::remote_name(name);
    validate::remote_url(url);
    return {"remote-add", action::kRemotes, request_key("RemoteAdd", json::array({name, url})),
            [name, url](sr::Sysroot& sysroot, deploy::Progress&) {
                sr::add_remote(sysroot, name, url);
                return json::object();
            }};
}

}  // namespace deployd
