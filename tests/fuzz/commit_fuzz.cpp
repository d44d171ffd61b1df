// commit objects come from any repository we pull from (the first object a pull reads); what
// parse accepts must survive serialize -> parse unchanged.
#include <nlohmann/json.hpp>

#include "deploy/repo/object.hpp"
#include "deploy/util/sha256.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using deploy::repo::Commit;
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        Commit c = Commit::parse(text, deploy::fuzz::kInputName);
        FUZZ_CHECK(deploy::is_valid_checksum(c.root_tree), c.root_tree);
        FUZZ_CHECK(deploy::is_valid_checksum(c.root_meta), c.root_meta);
        FUZZ_CHECK(c.metadata.is_object(), text);
        FUZZ_CHECK(nlohmann::json::parse(text).at("timestamp") == c.timestamp, text);
        std::string canonical = c.serialize();
        Commit again = Commit::parse(canonical, deploy::fuzz::kInputName);
        FUZZ_CHECK(again.serialize() == canonical, canonical);
        FUZZ_CHECK(again.parent == c.parent && again.timestamp == c.timestamp &&
                       again.version == c.version && again.subject == c.subject &&
                       again.body == c.body && again.metadata == c.metadata,
                   canonical);
    });
}
