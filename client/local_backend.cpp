// The in-process backend: the engine on --sysroot DIR, no daemon.
#include "backend.hpp"
#include "cli.hpp"
#include "deploy/layering/layer.hpp"
#include "deploy/sysroot/results.hpp"
#include "deploy/sysroot/status.hpp"

namespace deployctl {

using nlohmann::json;
namespace sr = deploy::sysroot;

namespace {

class LocalBackend : public Backend {
  public:
    explicit LocalBackend(const GlobalOptions& options)
        : sysroot_(sr::Sysroot::open({options.sysroot, options.cmdline_file})) {}

    json status() override { return sr::status_json(sysroot_); }

    json upgrade(const sr::UpgradeOptions& upgrade_options, deploy::Progress& progress) override {
        return sr::upgrade_result_json(sr::upgrade(sysroot_, upgrade_options, progress));
    }

    json rebase(const std::string& refspec, deploy::Progress& progress) override {
        return sr::deploy_result_json(sr::rebase(sysroot_, refspec, progress));
    }

    json deploy(const std::string& revision, deploy::Progress& progress) override {
        return sr::deploy_result_json(sr::deploy_revision(sysroot_, revision, progress));
    }

    json rollback(deploy::Progress& progress) override {
        return sr::rollback_result_json(sr::rollback(sysroot_, progress));
    }

    json kargs(const sr::KargsEdit& edit, deploy::Progress& progress) override {
        return sr::run_kargs(sysroot_, edit, progress);
    }

    void pin(size_t index, bool pinned) override { sr::set_pinned(sysroot_, index, pinned); }

    json cleanup(deploy::Progress& progress) override {
        return sr::cleanup_result_json(sr::cleanup(sysroot_, progress));
    }

    json etc_diff() override { return sr::etc_diff_json(sr::etc_diff(sysroot_)); }

    void remote_add(const std::string& name, const std::string& url) override {
        sr::add_remote(sysroot_, name, url);
    }

    json install(const std::vector<std::string>& packages, deploy::Progress& progress) override {
        return sr::deploy_result_json(
            deploy::layering::install_packages(sysroot_, packages, progress));
    }

    json uninstall(const std::vector<std::string>& packages, deploy::Progress& progress) override {
        return sr::deploy_result_json(
            deploy::layering::uninstall_packages(sysroot_, packages, progress));
    }

    json override_remove(const std::vector<std::string>& packages,
                         deploy::Progress& progress) override {
        return sr::deploy_result_json(
            deploy::layering::override_remove(sysroot_, packages, progress));
    }

    json override_replace(const std::vector<std::string>& rpm_files,
                          deploy::Progress& progress) override {
        return sr::deploy_result_json(
            deploy::layering::override_replace(sysroot_, rpm_files, progress));
    }

    json override_reset(const std::vector<std::string>& packages, bool all,
                        deploy::Progress& progress) override {
        return sr::deploy_result_json(
            deploy::layering::override_reset(sysroot_, packages, all, progress));
    }

    json reset(deploy::Progress& progress) override {
        return sr::deploy_result_json(deploy::layering::reset_layering(sysroot_, progress));
    }

  private:
    sr::Sysroot sysroot_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const GlobalOptions& options) {
    return std::make_unique<LocalBackend>(options);
}

}  // namespace deployctl
