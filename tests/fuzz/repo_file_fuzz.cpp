// /etc/yum.repos.d/*.repo files of the merge deployment: admin-edited, and layered packages may
// ship their own. Every accepted repository has an id, and an enabled one a baseurl.
#include "deploy/layering/repo_source.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        for (const auto& r : deploy::layering::parse_repo_file(text, deploy::fuzz::kInputName)) {
            FUZZ_CHECK(!r.name.empty(), text);
            FUZZ_CHECK(!r.enabled || !r.baseurl.empty(), r.name);
        }
    });
}
