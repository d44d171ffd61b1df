// BLS entries are read back from /boot/loader/entries to list the deployments; /boot is often a
// separate (FAT) filesystem that other tools and other OSes write. An accepted entry must
// render back to text that parses to the same entry, and its deploy= must parse or be ignored.
#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/sysroot/deployment.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using deploy::boot::BootEntry;
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        BootEntry entry = BootEntry::parse(text, deploy::fuzz::kInputName);
        FUZZ_CHECK(!entry.linux_path.empty(), text);
        if (auto d = deploy::sysroot::parse_deploy_path(entry.deploy_path())) {
            FUZZ_CHECK(deploy::sysroot::is_valid_os_name(d->os), d->os);
            FUZZ_CHECK(d->serial >= 0, entry.deploy_path());
        }
        // render() refuses values with line breaks or NUL (InvalidError, expected). An empty
        // `options` line is dropped by render, so only entries with options must round-trip.
        std::string rendered = entry.render();
        if (entry.options.empty())
            return;
        BootEntry back = BootEntry::parse(rendered, deploy::fuzz::kInputName);
        FUZZ_CHECK(back.title == entry.title && back.version == entry.version &&
                       back.linux_path == entry.linux_path &&
                       back.initrd_path == entry.initrd_path && back.options == entry.options &&
                       back.sort_key == entry.sort_key,
                   rendered);
        FUZZ_CHECK(back.render() == rendered, rendered);
    });
}
