// The in-process backend: the engine on --sysroot DIR, no daemon.
#include "backend.hpp"
#include "cli.hpp"
#include "deploy/error.hpp"
#include "deploy/sysroot/status.hpp"

namespace deployctl {

using nlohmann::json;
namespace sr = deploy::sysroot;

json deploy_result_json(const sr::DeployResult& result) {
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

namespace {

class LocalBackend : public Backend {
  public:
    explicit LocalBackend(const GlobalOptions& options)
        : sysroot_(sr::Sysroot::open({options.sysroot, options.cmdline_file})) {}

    json status() override { return sr::status_json(sysroot_); }

    json upgrade(bool check_only, deploy::Progress& progress) override {
        auto result = sr::upgrade(sysroot_, {check_only}, progress);
        json out = {{"commit", result.commit}, {"version", result.version}};
        switch (result.outcome) {
            case sr::UpgradeOutcome::Deployed:
                out["outcome"] = "deployed";
                out.update(deploy_result_json(*result.deployed));
                break;
            case sr::UpgradeOutcome::NoUpdate:
                out["outcome"] = "no-update";
                break;
            case sr::UpgradeOutcome::UpdateAvailable:
                out["outcome"] = "update-available";
                break;
        }
        return out;
    }

    json rebase(const std::string& refspec, deploy::Progress& progress) override {
        return deploy_result_json(sr::rebase(sysroot_, refspec, progress));
    }

    json deploy(const std::string& revision, deploy::Progress& progress) override {
        return deploy_result_json(sr::deploy_revision(sysroot_, revision, progress));
    }

    json rollback(deploy::Progress& progress) override {
        auto d = sr::rollback(sysroot_, progress);
        return {{"deployment", {{"id", d.id()}, {"version", d.version}, {"commit", d.commit}}}};
    }

    json kargs(const sr::KargsEdit& edit, deploy::Progress& progress) override {
        if (edit.empty()) {
            auto list = sysroot_.deployments();
            if (list.empty())
                throw deploy::NotFoundError("no deployment yet");
            return {{"changed", false}, {"kargs", list.front().kargs}};
        }
        auto result = sr::edit_kargs(sysroot_, edit, progress);
        if (!result) {
            return {{"changed", false}, {"kargs", sysroot_.deployments().front().kargs}};
        }
        json out = deploy_result_json(*result);
        out["changed"] = true;
        out["kargs"] = result->deployment.kargs;
        return out;
    }

    void pin(size_t index, bool pinned) override { sr::set_pinned(sysroot_, index, pinned); }

    json cleanup(deploy::Progress& progress) override {
        auto r = sr::cleanup(sysroot_, progress);
        return {{"objects_removed", r.objects_removed}, {"bytes_freed", r.bytes_freed}};
    }

    json etc_diff() override {
        json out = json::array();
        for (const auto& c : sr::etc_diff(sysroot_)) {
            out.push_back({{"status", std::string(1, c.status)}, {"path", c.path}});
        }
        return out;
    }

    void remote_add(const std::string& name, const std::string& url) override {
        sr::add_remote(sysroot_, name, url);
    }

  private:
    sr::Sysroot sysroot_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const GlobalOptions& options) {
    return std::make_unique<LocalBackend>(options);
}

}  // namespace deployctl
