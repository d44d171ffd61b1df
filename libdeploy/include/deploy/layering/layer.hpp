// Package layering on a sysroot: the deployed tree is the base commit plus the packages the
// origin requests, rebuilt from the base every time (install, uninstall, upgrade, rebase).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "deploy/sysroot/operations.hpp"

namespace deploy::layering {

struct LayeredCommit {
    std::string commit;
    // The commit's tree, built on the way (null for the base itself): give it to deploy_commit
    // as DeployRequest::prepared_tree (moved) so the tree is not checked out a second time. It
    // owns the work dir it lives in.
    std::unique_ptr<sysroot::PreparedTree> tree;
};

// The commit to deploy for `base` with the origin's layering requests: `base` itself when there
// are none, else a new local commit (parent = base). Repos come from the merge deployment's
// /etc/yum.repos.d. Unresolvable requests throw ResolveError; nothing is deployed.
LayeredCommit build_layered_commit(sysroot::Sysroot& sysroot, const sysroot::Deployment& merge,
                                   const std::string& base, const sysroot::Origin& origin,
                                   Progress& progress);

// `deployctl install PKG|FILE.rpm...`: adds the requests and deploys the result.
sysroot::DeployResult install_packages(sysroot::Sysroot& sysroot,
                                       const std::vector<std::string>& specs, Progress& progress);
// `deployctl uninstall PKG...`: drops layered requests (by name or local file name).
sysroot::DeployResult uninstall_packages(sysroot::Sysroot& sysroot,
                                         const std::vector<std::string>& names, Progress& progress);

// `deployctl override remove PKG...`: removes base packages from the deployed tree.
sysroot::DeployResult override_remove(sysroot::Sysroot& sysroot,
                                      const std::vector<std::string>& names, Progress& progress);
// `deployctl override replace FILE.rpm...`: replaces base packages (same name) by local files,
// upgrade or downgrade; the files are kept in the OS's /var so upgrades re-apply them.
sysroot::DeployResult override_replace(sysroot::Sysroot& sysroot,
                                       const std::vector<std::string>& rpm_files,
                                       Progress& progress);
// `deployctl override reset PKG...|--all`: drops base package overrides (removals and
// replacements, by package name).
sysroot::DeployResult override_reset(sysroot::Sysroot& sysroot,
                                     const std::vector<std::string>& names, bool all,
                                     Progress& progress);
// `deployctl reset`: drops every layering request and override (deploys the base itself).
sysroot::DeployResult reset_layering(sysroot::Sysroot& sysroot, Progress& progress);

}  // namespace deploy::layering
