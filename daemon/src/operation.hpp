// What a transaction does: one validated request for an engine operation, built from a bus call.
// The builders validate every argument (InvalidError) so nothing bad is ever queued.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/sysroot/sysroot.hpp"
#include "deploy/util/progress.hpp"

namespace deployd {

struct OperationRequest {
    std::string operation;  // "upgrade", "rebase", ... (the Transaction's Operation property)
    // polkit action ids of its family; a caller needs every one (ResetLayering needs two).
    std::vector<std::string> actions;
    // Method and arguments: an identical request joins the running transaction.
    std::string key;
    // What it runs on the worker thread; returns the Result JSON.
    std::function<nlohmann::json(deploy::sysroot::Sysroot&, deploy::Progress&)> run;
};

OperationRequest make_upgrade(bool check_only);
OperationRequest make_deploy(const std::string& revision);
OperationRequest make_rebase(const std::string& refspec);
OperationRequest make_rollback();
OperationRequest make_kargs(const std::vector<std::string>& append,
                            const std::vector<std::string>& remove,
                            const std::vector<std::string>& replace);
OperationRequest make_cleanup();
OperationRequest make_pin(uint32_t index, bool pinned);
OperationRequest make_remote_add(const std::string& name, const std::string& url);
OperationRequest make_upgrade_preview();

// Package layering. Local packages are the caller's file descriptors (see local_rpm.hpp).
OperationRequest make_install(const std::vector<std::string>& packages,
                              const std::vector<int>& local_packages);
OperationRequest make_uninstall(const std::vector<std::string>& packages);
OperationRequest make_override_remove(const std::vector<std::string>& packages);
OperationRequest make_override_replace(const std::vector<int>& local_packages);
OperationRequest make_override_reset(const std::vector<std::string>& packages, bool all);
OperationRequest make_reset_layering();

}  // namespace deployd
