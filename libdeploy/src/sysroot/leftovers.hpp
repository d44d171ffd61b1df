// Removing what an interrupted (killed, crashed, powered-off) writer left behind.
#pragma once

#include <string>
#include <vector>

namespace deploy::sysroot {

class Sysroot;

// Called with the writer lock held. Removes staging trees, deployments and origins that the live
// boot configuration does not reference, stale loader.N directories, unused kernels, and staged
// objects of dead processes. Logs each removal; returns what was removed. When the live entries
// do not parse cleanly (e.g. two deploy=), no deployment, loader or kernel is removed.
std::vector<std::string> remove_leftovers(Sysroot& sysroot);

}  // namespace deploy::sysroot
