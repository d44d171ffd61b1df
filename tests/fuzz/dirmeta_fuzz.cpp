// dirmeta objects come from any repository we pull from; what parse accepts must be a directory
// and survive serialize -> parse unchanged.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "deploy/repo/object.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using deploy::repo::DirMeta;
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        DirMeta meta = DirMeta::parse(text, deploy::fuzz::kInputName);
        FUZZ_CHECK(S_ISDIR(meta.mode), text);
        // The numbers are the object's own, not wrapped or truncated into range.
        auto raw = nlohmann::json::parse(text);
        FUZZ_CHECK(
            raw.at("mode") == meta.mode && raw.at("uid") == meta.uid && raw.at("gid") == meta.gid,
            text);
        std::string canonical = meta.serialize();
        FUZZ_CHECK(DirMeta::parse(canonical, deploy::fuzz::kInputName) == meta, canonical);
    });
}
