// Installing and erasing packages in a tree with librpm.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/layering/resolve.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::layering {

// Runs one rpm transaction in the scriptlet sandbox (bubblewrap + the deployd-rpm helper):
// scriptlets run chrooted in the tree without network, each one's log goes to progress, and a
// failing %pre/%preun aborts. `work_dir` (absolute) is the only writable path in the sandbox.
//
// Into `root` (inside work_dir, e.g. a fresh compose root): written directly.
void run_rpm_transaction(const std::string& work_dir, const std::string& root,
                         const std::vector<ResolvedPackage>& install,
                         const std::vector<ResolvedPackage>& erase, Progress& progress);
// Onto work_dir/lower, a hardlink checkout whose files are the store's objects: the transaction
// sees it through an overlay, so every write (librpm's, a scriptlet's append to a base file) lands
// in a new file of work_dir/upper; the upper layer is then folded into lower by renames. Nothing
// reachable from the store is ever opened for writing.
void run_rpm_transaction_on_overlay(const std::string& work_dir,
                                    const std::vector<ResolvedPackage>& install,
                                    const std::vector<ResolvedPackage>& erase, Progress& progress);

// "name-version-release.arch" of a package file; InvalidError naming the file when it is not one.
std::string rpm_file_nevra(const std::string& path);

// The packages in the tree's rpmdb, sorted by NEVRA: [{"name","nevra","sha256header"}].
nlohmann::json installed_packages(const std::string& root);

}  // namespace deploy::layering
