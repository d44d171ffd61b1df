#include "deploy/layering/db_diff.hpp"

#include <fmt/format.h>

extern "C" {
#include <solv/evr.h>
}

#include <map>

#include "deploy/error.hpp"
#include "solv_pool.hpp"

namespace deploy::layering {

namespace {

// "name-[epoch:]version-release.arch" -> "[epoch:]version-release"
std::string evr_of(const std::string& name, const std::string& nevra) {
    std::string rest = nevra.size() > name.size() + 1 ? nevra.substr(name.size() + 1) : "";
    auto dot = rest.rfind('.');
    return dot == std::string::npos ? rest : rest.substr(0, dot);
}

std::map<std::string, std::string> by_name(const nlohmann::json& list) {
    std::map<std::string, std::string> out;
    for (const auto& p : list)
        out[p.value("name", "")] = p.value("nevra", "");
    return out;
}

}  // namespace

DbDiff diff_package_lists(const nlohmann::json& a, const nlohmann::json& b) {
    solv::Pool pool;  // RPM version semantics
    auto old_set = by_name(a);
    auto new_set = by_name(b);
    DbDiff diff;
    for (const auto& [name, nevra] : old_set) {
        auto it = new_set.find(name);
        if (it == new_set.end()) {
            diff.removed.push_back(nevra);
            continue;
        }
        if (it->second == nevra)
            continue;
        int cmp = pool_evrcmp_str(pool.get(), evr_of(name, nevra).c_str(),
                                  evr_of(name, it->second).c_str(), EVRCMP_COMPARE);
        (cmp <= 0 ? diff.upgraded : diff.downgraded).push_back({name, nevra, it->second});
    }
    for (const auto& [name, nevra] : new_set) {
        if (!old_set.count(name))
            diff.added.push_back(nevra);
    }
    return diff;
}

DbDiff diff_commits(const repo::Repo& repo, const std::string& a, const std::string& b) {
    auto packages = [&](const std::string& commit) {
        auto c = repo.read_commit(commit);
        if (!c.metadata.contains("packages")) {
            throw NotFoundError(fmt::format(
                "commit {} has no package list (it was not composed from RPMs)", commit));
        }
        return c.metadata["packages"];
    };
    return diff_package_lists(packages(a), packages(b));
}

nlohmann::json db_diff_json(const DbDiff& diff) {
    auto changes = [](const std::vector<PackageChange>& list) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& c : list)
            out.push_back({{"name", c.name}, {"from", c.from}, {"to", c.to}});
        return out;
    };
    return {{"added", diff.added},
            {"removed", diff.removed},
            {"upgraded", changes(diff.upgraded)},
            {"downgraded", changes(diff.downgraded)}};
}

}  // namespace deploy::layering
