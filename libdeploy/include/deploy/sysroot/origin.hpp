// The origin record of a deployment: what it tracks and what the admin asked for, so the next
// upgrade can redo it. Stored beside the tree as deploy/<os>/<id>.origin (JSON), replaced
// atomically; the tree itself is never modified.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace deploy::sysroot {

struct Origin {
    std::string refspec;      // "remote:ref" or a local ref
    std::string base_commit;  // the commit of the base (before layering)
    bool pinned = false;
    std::vector<std::string> etc_conflicts;  // paths both the admin and the new defaults changed
    // Layering requests (the layering issue fills these).
    std::vector<std::string> requested_packages;
    std::vector<std::string> requested_local_packages;
    std::vector<std::string> removed_packages;
    std::vector<std::string> replaced_packages;

    nlohmann::json to_json() const;
    static Origin from_json(const nlohmann::json& j, const std::string& what);
};

// Splits "remote:ref" (remote may be empty for local refs).
std::pair<std::string, std::string> split_refspec(const std::string& refspec);

}  // namespace deploy::sysroot
