// /etc/deployd.conf is read by the daemon at start; a typo must be an error, never a crash.
#include "config.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        deployd::DaemonConfig config = deployd::parse_config(text, deploy::fuzz::kInputName);
        FUZZ_CHECK(config.idle_exit_seconds <= 86400, text);
        (void)deployd::policy_name(config.automatic_update_policy);
    });
}
