// Installing and erasing packages in a tree with librpm.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/layering/resolve.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::layering {

// Runs one rpm transaction with root dir `root` (the tree's rpmdb at usr/lib/sysimage/rpm is
// created when missing). Scriptlets are NOT run (RPMTRANS_FLAG_NOSCRIPTS): running them needs
// the bubblewrap sandbox, which is not done yet. Any rpm problem aborts with an error naming it.
// The caller guarantees no file under root is a hardlink into the store.
void run_rpm_transaction(const std::string& root, const std::vector<ResolvedPackage>& install,
                         const std::vector<ResolvedPackage>& erase, Progress& progress);

// The packages in the tree's rpmdb, sorted by NEVRA: [{"name","nevra","sha256header"}].
nlohmann::json installed_packages(const std::string& root);

}  // namespace deploy::layering
