// Kernel command lines come from /proc/cmdline (or --cmdline-file), BLS options lines and
// `kargs --append/--replace` arguments. Splitting must never lose or invent arguments: what
// split gives must come back unchanged through join -> split (kargs edits rely on it).
#include <vector>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/sysroot/deployment.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using deploy::boot::join_kernel_args;
    using deploy::boot::split_kernel_args;
    return deploy::fuzz::run_parser(data, size, [](const std::string& cmdline) {
        std::vector<std::string> args = split_kernel_args(cmdline);
        for (const auto& arg : args) {
            FUZZ_CHECK(!arg.empty(), cmdline);
            if (arg.rfind("deploy=", 0) == 0)
                (void)deploy::sysroot::parse_deploy_path(arg.substr(7));
        }
        std::string joined = join_kernel_args(args);
        FUZZ_CHECK(split_kernel_args(joined) == args, joined);
        FUZZ_CHECK(join_kernel_args(split_kernel_args(joined)) == joined, joined);
    });
}
