// What the CLI talks to: the engine in-process (--sysroot) or the deployd daemon over D-Bus.
// Both return the same JSON results so there is one rendering path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/sysroot/operations.hpp"
#include "deploy/util/progress.hpp"

namespace deployctl {

struct GlobalOptions;

class Backend {
  public:
    virtual ~Backend() = default;
    virtual nlohmann::json status() = 0;
    // {"outcome":"deployed"|"no-update"|"update-available","commit","version",
    //  "deployment":{...}?,"etc_conflicts":[...],"package_diff":{...}? (preview)}
    virtual nlohmann::json upgrade(const deploy::sysroot::UpgradeOptions& options,
                                   deploy::Progress& progress) = 0;
    // {"deployment":{"id",...},"etc_conflicts":[...],"removed_deployments":[...]}
    virtual nlohmann::json rebase(const std::string& refspec, deploy::Progress& progress) = 0;
    virtual nlohmann::json deploy(const std::string& revision, deploy::Progress& progress) = 0;
    virtual nlohmann::json rollback(deploy::Progress& progress) = 0;
    // {"changed":bool, "kargs":[...], "deployment":{...}?}
    virtual nlohmann::json kargs(const deploy::sysroot::KargsEdit& edit,
                                 deploy::Progress& progress) = 0;
    virtual void pin(size_t index, bool pinned) = 0;
    virtual nlohmann::json cleanup(deploy::Progress& progress) = 0;
    // [{"status":"M","path":"..."}]
    virtual nlohmann::json etc_diff() = 0;
    virtual void remote_add(const std::string& name, const std::string& url) = 0;
    // Package layering; same shape as rebase. Arguments ending in ".rpm" are local files.
    virtual nlohmann::json install(const std::vector<std::string>& packages,
                                   deploy::Progress& progress) = 0;
    virtual nlohmann::json uninstall(const std::vector<std::string>& packages,
                                     deploy::Progress& progress) = 0;
    virtual nlohmann::json override_remove(const std::vector<std::string>& packages,
                                           deploy::Progress& progress) = 0;
    virtual nlohmann::json override_replace(const std::vector<std::string>& rpm_files,
                                            deploy::Progress& progress) = 0;
    virtual nlohmann::json override_reset(const std::vector<std::string>& packages, bool all,
                                          deploy::Progress& progress) = 0;
    virtual nlohmann::json reset(deploy::Progress& progress) = 0;
};

// In-process engine on options.sysroot.
std::unique_ptr<Backend> make_local_backend(const GlobalOptions& options);
// deployd over D-Bus (options.bus_address or the system bus).
std::unique_ptr<Backend> make_daemon_backend(const GlobalOptions& options);

// The JSON shapes of results are in deploy/sysroot/results.hpp (shared with the daemon).

}  // namespace deployctl
