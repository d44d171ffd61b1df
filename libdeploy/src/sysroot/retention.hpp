// Which deployments survive a new deployment, and which one `rollback` would switch to. Pure
// functions over a deployment list in boot order, so they are unit-testable without a sysroot.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deploy/sysroot/deployment.hpp"

namespace deploy::sysroot {

// The deployment list after deploying `fresh` on top of `old`: the new default, then the booted
// one (or the old default when nothing here is booted) as rollback, then pinned ones in their old
// order. The ids of everything else are appended to `dropped`.
std::vector<Deployment> retained_list(const Deployment& fresh, const std::vector<Deployment>& old,
                                      std::vector<std::string>& dropped);

// The index `rollback` makes the default: the booted deployment when a newer one is pending,
// else the second entry; nullopt when there is nothing to roll back to.
std::optional<size_t> rollback_index(const std::vector<Deployment>& list);

}  // namespace deploy::sysroot
