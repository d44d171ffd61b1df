// The "packages" commit metadata: the tree's rpmdb listing (NEVRA + header sha256) with the sha256
// of each package file, from this run's installs or inherited from the base commit's list.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "deploy/layering/resolve.hpp"

namespace deploy::layering {

nlohmann::json package_metadata(const std::string& root,
                                const std::vector<ResolvedPackage>& installed,
                                const nlohmann::json& inherited);

}  // namespace deploy::layering
