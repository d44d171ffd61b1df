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

namespace deploy::boot {

// Entries of the live configuration in boot order (empty if there is none yet).
std::vector<BootEntry> read_boot_entries(int boot_dirfd);

// N of the live loader.N, or -1 when there is no boot/loader yet.
int current_loader_version(int boot_dirfd);

// Writes entries (in boot order; file names and sort keys are assigned here) into a fresh
// loader.{N+1}, fsyncs, and swaps boot/loader to it with one rename, then fsyncs boot/.
// Returns false without touching anything when the rendered config equals the live one.
// The old loader.N is left for remove_stale_loaders().
bool write_boot_entries(int boot_dirfd, std::vector<BootEntry> entries);

// Removes loader.* directories other than the live one and temp leftovers of interrupted runs.
void remove_stale_loaders(int boot_dirfd);

// GRUB configuration equivalent to the entries (first = default); passes grub-script-check.
std::string render_grub_cfg(const std::vector<BootEntry>& entries);

}  // namespace deploy::boot
