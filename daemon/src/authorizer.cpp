#include "authorizer.hpp"

#include <map>

#include <fmt/format.h>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deployd/names.hpp"

namespace deployd {

namespace {

// No interaction: the daemon's loop must not wait for a password prompt (see README).
constexpr uint32_t kPolkitFlagsNone = 0;
constexpr auto kPolkitTimeout = std::chrono::seconds(25);

deploy::Error denied(const std::string& action, const std::string& why) {
    return deploy::Error(deploy::ErrorKind::AccessDenied,
                         fmt::format("not authorized for {}: {}", action, why));
}

}  // namespace

std::string Caller::describe() const {
    return fmt::format("uid {} ({})", uid, bus_name);
}

Authorizer::Authorizer(sdbus::IConnection& bus, sdbus::IProxy& driver)
    : bus_(bus), driver_(driver) {}

Caller Authorizer::identify(const std::string& sender) {
    if (auto it = uids_.find(sender); it != uids_.end())
        return {sender, it->second};
    uint32_t uid = 0;
    try {
        driver_.callMethod("GetConnectionUnixUser")
            .onInterface("org.freedesktop.DBus")
            .withArguments(sender)
            .storeResultsTo(uid);
    } catch (const sdbus::Error& e) {
        throw deploy::Error(deploy::ErrorKind::AccessDenied,
                            fmt::format("cannot identify caller {}: {}", sender, e.getMessage()));
    }
    // Only unique names are cached (a well-known name can change hands).
    if (!sender.empty() && sender[0] == ':')
        uids_.emplace(sender, uid_t(uid));
    return {sender, uid_t(uid)};
}

void Authorizer::check(const Caller& caller, const std::string& action) {
    if (caller.uid == 0)
        return;
    using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
    using AuthResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;
    Subject subject{std::string("system-bus-name"), std::map<std::string, sdbus::Variant>{
                                                        {"name", sdbus::Variant(caller.bus_name)}}};
    std::map<std::string, std::string> details;
    AuthResult result;
    try {
        auto polkit = sdbus::createProxy(bus_, kPolkitBusName, kPolkitObjectPath);
        polkit->callMethod("CheckAuthorization")
            .onInterface(kPolkitInterface)
            .withTimeout(kPolkitTimeout)
            .withArguments(subject, action, details, kPolkitFlagsNone, std::string())
            .storeResultsTo(result);
    } catch (const sdbus::Error& e) {
        spdlog::warn("denied {} to {}: polkit is not reachable ({})", action, caller.describe(),
                     e.getName());
        throw denied(action, "polkit is not reachable; run as root");
    }
    bool authorized = std::get<0>(result);
    bool challenge = std::get<1>(result);
    if (authorized) {
        spdlog::info("polkit authorized {} for {}", action, caller.describe());
        return;
    }
    spdlog::warn("denied {} to {}{}", action, caller.describe(),
                 challenge ? " (authentication required)" : "");
    throw denied(action, challenge ? "authentication required; run as root or add a polkit rule"
                                   : "refused by polkit");
}

}  // namespace deployd
