// One Boot Loader Specification entry (a loader/entries/*.conf file).
#pragma once

#include <string>
#include <vector>

#include "deploy/bootloader/kernel_args.hpp"

namespace deploy::boot {

struct BootEntry {
    std::string file_name;    // "deployd-<os>-<NN>.conf"; NN (01, 02, ...) = boot order
    std::string title;        // "<os> <version> (<short commit>)"
    std::string version;      // the OS version
    std::string linux_path;   // path on the boot filesystem, e.g. "/myos/<bootcsum>/vmlinuz-6.1"
    std::string initrd_path;  // may be empty
    std::string options;      // kernel command line, includes "deploy=/deploy/<os>/<id>"
    std::string sort_key;     // BLS sort-key, ascending = boot order

    std::string render() const;
    // Parses BLS text; InvalidError naming file_name when `linux` or `options` is missing.
    // Unknown BLS keys are ignored; render() refuses values containing line breaks.
    static BootEntry parse(const std::string& text, const std::string& file_name);

    // Value of the deploy= argument in options, "" if none. InvalidError naming the entry when
    // there are several: which one boots is then a matter of bootloader and kernel version.
    std::string deploy_path() const;
};

}  // namespace deploy::boot
