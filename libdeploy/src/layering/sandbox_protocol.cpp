#include "sandbox_protocol.hpp"

namespace deploy::layering::sandbox {

nlohmann::json HelperRequest::to_json() const {
    nlohmann::json j = {{"transaction", transaction.to_json()}, {"overlay", nullptr}};
    if (overlay) {
        j["overlay"] = {{"dir", overlay->dir},
                        {"lower", overlay->lower},
                        {"upper", overlay->upper},
                        {"work", overlay->work},
                        {"merged", overlay->merged}};
    }
    return j;
}

HelperRequest HelperRequest::from_json(const nlohmann::json& j) {
    HelperRequest r;
    r.transaction = TransactionRequest::from_json(j.at("transaction"));
    if (const auto& o = j.at("overlay"); !o.is_null())
        r.overlay =
            Overlay{o.at("dir"), o.at("lower"), o.at("upper"), o.at("work"), o.at("merged")};
    return r;
}

}  // namespace deploy::layering::sandbox
