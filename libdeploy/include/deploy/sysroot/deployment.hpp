// One deployment as seen from the live boot configuration.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deploy/sysroot/origin.hpp"

namespace deploy::sysroot {

struct Deployment {
    std::string os;
    std::string commit;  // the deployed commit (the base, or the local layered commit)
    int serial = 0;      // distinguishes several deployments of one commit
    Origin origin;
    std::string version;  // of the commit
    int64_t timestamp = 0;
    std::vector<std::string> kargs;  // kernel arguments without deploy=
    std::string linux_path;
    std::string initrd_path;
    bool booted = false;

    std::string id() const { return commit + "." + std::to_string(serial); }
    // Relative to the sysroot: "deploy/<os>/<commit>.<serial>".
    std::string relpath() const { return "deploy/" + os + "/" + id(); }
    // As the booted machine sees it: "/deploy/<os>/<id>" (the deploy= kernel argument).
    std::string boot_path() const {
        std::string path = "/";  // built by append: gcc 12 -O3 warns falsely on "/" + string
        path.append(relpath());
        return path;
    }
    std::string origin_relpath() const { return relpath() + ".origin"; }
};

// An OS name: letters, digits, '-', '_' and '.', not starting with '.'.
bool is_valid_os_name(const std::string& os);

// Parses "/deploy/<os>/<commit>.<serial>"; nullopt when it is not one.
std::optional<Deployment> parse_deploy_path(const std::string& path);

}  // namespace deploy::sysroot
