// What the engine and the sandboxed rpm helper (tools/deployd-rpm.cpp) exchange: a request file,
// and events as JSON lines on an inherited pipe (fd kEventFd in the helper).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "rpm_transaction.hpp"

namespace deploy::layering::sandbox {

inline constexpr int kEventFd = 3;
inline constexpr const char* kHelperName = "deployd-rpm";

// An overlay the helper mounts (in its own mount namespace) at `merged` before the transaction:
// `lower` is read-only through it, every change lands in `upper`. Names are relative to `dir`.
struct Overlay {
    std::string dir;
    std::string lower = "lower";
    std::string upper = "upper";
    std::string work = "overlay-work";
    std::string merged = "merged";
};

struct HelperRequest {
    TransactionRequest transaction;  // transaction.root is dir/merged when there is an overlay
    std::optional<Overlay> overlay;

    nlohmann::json to_json() const;
    static HelperRequest from_json(const nlohmann::json& j);
};

}  // namespace deploy::layering::sandbox
