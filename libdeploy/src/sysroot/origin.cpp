#include "deploy/sysroot/origin.hpp"

#include <cctype>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/sysroot/deployment.hpp"
#include "deploy/util/path.hpp"
#include "deploy/util/sha256.hpp"

namespace deploy::sysroot {

using nlohmann::json;

json Origin::to_json() const {
    return json{{"refspec", refspec},
                {"base_commit", base_commit},
                {"pinned", pinned},
                {"etc_conflicts", etc_conflicts},
                {"requested_packages", requested_packages},
                {"requested_local_packages", requested_local_packages},
                {"removed_packages", removed_packages},
                {"replaced_packages", replaced_packages}};
}

Origin Origin::from_json(const json& j, const std::string& what) {
    try {
        Origin o;
        o.refspec = j.at("refspec").get<std::string>();
        o.base_commit = j.at("base_commit").get<std::string>();
        o.pinned = j.value("pinned", false);
        o.etc_conflicts = j.value("etc_conflicts", std::vector<std::string>{});
        o.requested_packages = j.value("requested_packages", std::vector<std::string>{});
        o.requested_local_packages =
            j.value("requested_local_packages", std::vector<std::string>{});
        o.removed_packages = j.value("removed_packages", std::vector<std::string>{});
        o.replaced_packages = j.value("replaced_packages", std::vector<std::string>{});
        return o;
    } catch (const json::exception& e) {
        throw CorruptError(fmt::format("{}: malformed origin ({})", what, e.what()));
    }
}

std::pair<std::string, std::string> split_refspec(const std::string& refspec) {
    auto colon = refspec.find(':');
    if (colon == std::string::npos)
        return {"", refspec};
    return {refspec.substr(0, colon), refspec.substr(colon + 1)};
}

bool is_valid_os_name(const std::string& os) {
    if (!path::is_valid_name(os) || os.front() == '.')
        return false;
    for (char c : os) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

std::optional<Deployment> parse_deploy_path(const std::string& p) {
    // "/deploy/<os>/<64 hex>.<serial>"
    static const std::string prefix = "/deploy/";
    if (p.rfind(prefix, 0) != 0)
        return std::nullopt;
    std::string rest = p.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos)
        return std::nullopt;
    Deployment d;
    d.os = rest.substr(0, slash);
    std::string id = rest.substr(slash + 1);
    auto dot = id.find('.');
    if (!is_valid_os_name(d.os) || dot == std::string::npos)
        return std::nullopt;
    d.commit = id.substr(0, dot);
    std::string serial = id.substr(dot + 1);
    if (!is_valid_checksum(d.commit) || serial.empty() || serial.size() > 6 ||
        serial.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    d.serial = std::stoi(serial);
    return d;
}

}  // namespace deploy::sysroot
