// Package differences between two commits, from their "packages" metadata (compose and layering
// record it), so no tree has to be checked out: `deployctl db diff [A B]`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/repo/repo.hpp"

namespace deploy::layering {

struct PackageChange {
    std::string name;
    std::string from;  // NEVRA in A
    std::string to;    // NEVRA in B
};

struct DbDiff {
    std::vector<std::string> added;    // NEVRAs only in B
    std::vector<std::string> removed;  // NEVRAs only in A
    std::vector<PackageChange> upgraded;
    std::vector<PackageChange> downgraded;
    bool empty() const {
        return added.empty() && removed.empty() && upgraded.empty() && downgraded.empty();
    }
};

// Lists are the "packages" metadata arrays ([{"name","nevra",...}]); versions compare by rpm
// rules (libsolv's EVR comparison).
DbDiff diff_package_lists(const nlohmann::json& a, const nlohmann::json& b);
// NotFoundError when a commit has no package list (not composed from RPMs).
DbDiff diff_commits(const repo::Repo& repo, const std::string& a, const std::string& b);
// {"added":[...],"removed":[...],"upgraded":[{"name","from","to"}],"downgraded":[...]}
nlohmann::json db_diff_json(const DbDiff& diff);

}  // namespace deploy::layering
