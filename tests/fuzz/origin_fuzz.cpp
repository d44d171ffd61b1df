// Origin files (deploy/<os>/<id>.origin) are read on every status and upgrade; a truncated or
// hand-edited one must give a CorruptError naming it, and what is accepted must survive
// to_json -> from_json unchanged (the next upgrade writes it back).
#include <nlohmann/json.hpp>

#include "deploy/sysroot/origin.hpp"
#include "fuzz_common.hpp"

namespace {

bool same(const deploy::sysroot::Origin& a, const deploy::sysroot::Origin& b) {
    return a.refspec == b.refspec && a.base_commit == b.base_commit && a.pinned == b.pinned &&
           a.etc_conflicts == b.etc_conflicts && a.requested_packages == b.requested_packages &&
           a.requested_local_packages == b.requested_local_packages &&
           a.removed_packages == b.removed_packages && a.replaced_packages == b.replaced_packages;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using deploy::sysroot::Origin;
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        // As Sysroot::read_origin does: any error of json::parse (syntax, number overflow)
        // becomes a CorruptError there.
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception&) {
            return;
        }
        Origin origin = Origin::from_json(j, deploy::fuzz::kInputName);
        std::string written = origin.to_json().dump(2);
        Origin back = Origin::from_json(nlohmann::json::parse(written), deploy::fuzz::kInputName);
        FUZZ_CHECK(same(origin, back), written);
        (void)deploy::sysroot::split_refspec(origin.refspec);
    });
}
