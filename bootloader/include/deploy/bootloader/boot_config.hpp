// The boot configuration as a whole: boot/loader -> loader.N with entries/ and grub.cfg, switched
// by one atomic rename of the symlink.
//
//   <boot>/loader            symlink to loader.N (the live config)
//   <boot>/loader.N/entries/deployd-<os>-NN.conf
//   <boot>/loader.N/grub.cfg rendered from the same entries
//   <boot>/grub/grub.cfg     symlink to ../loader/grub.cfg (created once, for GRUB)
#pragma once

#include <string>
#include <vector>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/bootloader/boot_menu.hpp"

namespace deploy::boot {

// How a configuration is rendered for the boot loader (see boot_layout.hpp, boot_menu.hpp).
struct BootWriteOptions {
    std::string path_prefix;  // "/boot" or "" (boot_path_prefix()), put before linux/initrd
    BootMenu menu;            // grub.cfg timeout and terminal
};

// Entries of the live configuration in boot order (empty if there is none yet). linux/initrd
// paths come back relative to the boot filesystem (a /boot prefix written for the layout is
// removed).
std::vector<BootEntry> read_boot_entries(int boot_dirfd);

// N of the live loader.N, or -1 when there is no boot/loader yet.
int current_loader_version(int boot_dirfd);

// Writes entries (in boot order; file names and sort keys are assigned here) into a fresh
// loader.{N+1}, fsyncs, and swaps boot/loader to it with one rename, then fsyncs boot/ and makes
// the boot filesystem's metadata current on disk (flush_boot_filesystem: GRUB does not replay
// the journal). Returns false without touching anything when the rendered config equals the
// live one. The old loader.N is left for remove_stale_loaders().
bool write_boot_entries(int boot_dirfd, std::vector<BootEntry> entries,
                        const BootWriteOptions& options = {});

// Removes loader.* directories other than the live one and temp leftovers of interrupted runs;
// flushes the boot filesystem after a removal, so that the on-disk state a boot loader reads
// never has the live loader.N's blocks reused while an old directory entry still names them.
void remove_stale_loaders(int boot_dirfd);

// GRUB configuration equivalent to the entries (first = default); passes grub-script-check.
// Paths are used as given (the caller has applied the layout prefix).
std::string render_grub_cfg(const std::vector<BootEntry>& entries, const BootMenu& menu = {});

}  // namespace deploy::boot
