#include "deploy/sysroot/status.hpp"

#include "deploy/etc/etc_merge.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/util/fs.hpp"
#include "retention.hpp"

namespace deploy::sysroot {

using nlohmann::json;

// Names from repos and local .rpm files alike: both are layered on the base.
static std::vector<std::string> layered_packages(const Origin& origin) {
    std::vector<std::string> out = origin.requested_packages;
    out.insert(out.end(), origin.requested_local_packages.begin(),
               origin.requested_local_packages.end());
    return out;
}

json status_json(const Sysroot& sysroot) {
    auto list = sysroot.deployments();
    // The rollback target: what `rollback` would make the default.
    auto rollback = rollback_index(list);
    json deployments = json::array();
    for (size_t i = 0; i < list.size(); ++i) {
        const auto& d = list[i];
        deployments.push_back({{"index", i},
                               {"id", d.id()},
                               {"os", d.os},
                               {"commit", d.commit},
                               {"base_commit", d.origin.base_commit},
                               {"version", d.version},
                               {"timestamp", d.timestamp},
                               {"path", d.boot_path()},
                               {"refspec", d.origin.refspec},
                               {"booted", d.booted},
                               {"default", i == 0},
                               {"rollback", rollback && *rollback == i},
                               {"pinned", d.origin.pinned},
                               {"staged", false},
                               {"layered_packages", layered_packages(d.origin)},
                               {"removed_packages", d.origin.removed_packages},
                               {"replaced_packages", d.origin.replaced_packages},
                               {"kargs", d.kargs},
                               {"etc_conflicts", d.origin.etc_conflicts}});
    }
    return {{"os", sysroot.os()}, {"deployments", deployments}};
}

std::vector<etc::EtcChange> etc_diff(const Sysroot& sysroot) {
    auto list = sysroot.deployments();
    auto merge = Sysroot::merge_index(list);
    if (!merge)
        return {};
    UniqueFd tree = fs::open_dir(sysroot.fd(), list[*merge].relpath());
    UniqueFd defaults = fs::open_dir(tree.get(), "usr/etc");
    UniqueFd etc = fs::open_dir(tree.get(), "etc");
    return etc::diff_etc(defaults.get(), etc.get());
}

}  // namespace deploy::sysroot
