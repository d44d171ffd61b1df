// The live boot configuration and its atomic switch. A new configuration is written in full to
// a fresh loader.{N+1} and made live by renaming one symlink over boot/loader, so at every
// instant (and after a crash at any point) the bootloader sees either the old or the new set of
// entries, never a mix.
#include "deploy/bootloader/boot_config.hpp"
#include "deploy/bootloader/boot_layout.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/fault.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"

namespace deploy::boot {

namespace {

constexpr std::string_view kLoaderLink = "loader";
constexpr std::string_view kLoaderPrefix = "loader.";
// Fixed name: the sysroot lock guarantees one writer, and remove_stale_loaders() matches it as
// a loader.* leftover.
constexpr std::string_view kTempLink = "loader.tmp";
constexpr std::string_view kEntriesDir = "entries";
constexpr std::string_view kGrubCfg = "grub.cfg";
constexpr std::string_view kConfSuffix = ".conf";

// Target of boot/loader, or nullopt when it does not exist.
std::optional<std::string> read_loader_link(int boot_dirfd) {
    struct stat st;
    if (!fs::lstat_at_if_exists(boot_dirfd, std::string(kLoaderLink), st))
        return std::nullopt;
    if (!S_ISLNK(st.st_mode)) {
        throw InvalidError("boot/loader exists but is not a symlink to loader.N");
    }
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlinkat(boot_dirfd, kLoaderLink.data(), target.data(), target.size());
    if (n < 0)
        throw_errno("cannot read link", "boot/loader");
    target.resize(static_cast<size_t>(n));
    return target;
}

// N of "loader.N", or nullopt for any other name.
std::optional<int> parse_loader_version(std::string_view name) {
    if (name.substr(0, kLoaderPrefix.size()) != kLoaderPrefix)
        return std::nullopt;
    std::string_view digits = name.substr(kLoaderPrefix.size());
    int value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

std::string loader_dir_name(int version) {
    return fmt::format("{}{}", kLoaderPrefix, version);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The NN of "deployd-<os>-NN.conf"; names that do not follow the pattern sort last.
int boot_position(std::string_view file_name) {
    std::string_view stem = file_name.substr(0, file_name.size() - kConfSuffix.size());
    size_t dash = stem.rfind('-');
    std::string_view digits = dash == std::string_view::npos ? stem : stem.substr(dash + 1);
    int value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        return std::numeric_limits<int>::max();
    }
    return value;
}

// <os> of the deploy=/deploy/<os>/<id> argument, which names the entry's file.
std::string entry_os(const BootEntry& entry) {
    std::string deploy = entry.deploy_path();
    auto parts = path::split_relative(deploy);
    if (parts.size() < 3 || parts[0] != "deploy") {
        throw InvalidError(
            fmt::format("boot entry '{}': options must carry deploy=/deploy/<os>/<id>, got '{}'",
                        entry.title, entry.options));
    }
    path::check_name(parts[1], "boot entry os name");
    return parts[1];
}

// Names and sort keys follow the list order; the width grows past 99 entries so that lexical
// order of both stays equal to boot order.
void assign_names(std::vector<BootEntry>& entries) {
    int width = std::max<int>(2, static_cast<int>(std::to_string(entries.size()).size()));
    for (size_t i = 0; i < entries.size(); ++i) {
        std::string position = fmt::format("{:0{}}", i + 1, width);
        entries[i].file_name =
            fmt::format("deployd-{}-{}{}", entry_os(entries[i]), position, kConfSuffix);
        entries[i].sort_key = fmt::format("deployd-{}", position);
    }
}

struct RenderedConfig {
    std::map<std::string, std::string> entry_files;  // file name -> BLS text
    std::string grub_cfg;

    bool operator==(const RenderedConfig&) const = default;
};

RenderedConfig render_config(std::vector<BootEntry> entries, const BootWriteOptions& options) {
    RenderedConfig config;
    for (auto& entry : entries) {
        entry.linux_path = options.path_prefix + entry.linux_path;
        if (!entry.initrd_path.empty())
            entry.initrd_path = options.path_prefix + entry.initrd_path;
        config.entry_files.emplace(entry.file_name, entry.render());
    }
    config.grub_cfg = render_grub_cfg(entries, options.menu);
    return config;
}

std::optional<RenderedConfig> read_live_config(int boot_dirfd, int version) {
    UniqueFd loader = fs::open_dir_if_exists(boot_dirfd, loader_dir_name(version));
    if (!loader)
        return std::nullopt;
    RenderedConfig config;
    if (UniqueFd entries = fs::open_dir_if_exists(loader.get(), std::string(kEntriesDir))) {
        for (const auto& name : fs::list_dir(entries.get())) {
            config.entry_files.emplace(name, fs::read_file_at(entries.get(), name));
        }
    }
    if (fs::exists_at(loader.get(), std::string(kGrubCfg))) {
        config.grub_cfg = fs::read_file_at(loader.get(), std::string(kGrubCfg));
    }
    return config;
}

void make_dir(int dirfd, const std::string& name) {
    if (::mkdirat(dirfd, name.c_str(), 0755) != 0)
        throw_errno("cannot create directory", name);
}

void write_loader_dir(int boot_dirfd, const std::string& dir, const RenderedConfig& config) {
    make_dir(boot_dirfd, dir);
    UniqueFd loader = fs::open_dir(boot_dirfd, dir);
    make_dir(loader.get(), std::string(kEntriesDir));
    UniqueFd entries = fs::open_dir(loader.get(), std::string(kEntriesDir));
    for (const auto& [name, text] : config.entry_files) {
        fs::write_file_atomic(entries.get(), name, text, 0644, true);
    }
    fs::fsync_dir(entries.get());
    fs::write_file_atomic(loader.get(), std::string(kGrubCfg), config.grub_cfg, 0644, true);
    fs::fsync_dir(loader.get());
}

// GRUB reads boot/grub/grub.cfg; pointing it through boot/loader makes every swap switch GRUB
// too. An existing grub.cfg (or a grub dir that is not ours to manage) is left alone.
void ensure_grub_link(int boot_dirfd) {
    struct stat st;
    if (!fs::lstat_at_if_exists(boot_dirfd, "grub", st)) {
        make_dir(boot_dirfd, "grub");
    } else if (!S_ISDIR(st.st_mode)) {
        return;
    }
    UniqueFd grub = fs::open_dir(boot_dirfd, "grub");
    if (fs::exists_at(grub.get(), std::string(kGrubCfg)))
        return;
    if (::symlinkat("../loader/grub.cfg", grub.get(), kGrubCfg.data()) != 0) {
        throw_errno("cannot create symlink", "boot/grub/grub.cfg");
    }
    fs::fsync_dir(grub.get());
    fs::fsync_dir(boot_dirfd);
}

// Best effort: used while unwinding, where the original error is the one worth reporting.
void remove_quietly(int dirfd, std::string_view name) noexcept {
    try {
        fs::remove_tree_at(dirfd, std::string(name));
    } catch (...) {
    }
}

}  // namespace

int current_loader_version(int boot_dirfd) {
    auto target = read_loader_link(boot_dirfd);
    if (!target)
        return -1;
    auto version = parse_loader_version(*target);
    if (!version) {
        throw InvalidError(fmt::format("boot/loader points to '{}', expected loader.N", *target));
    }
    return *version;
}

std::vector<BootEntry> read_boot_entries(int boot_dirfd) {
    int version = current_loader_version(boot_dirfd);
    if (version < 0)
        return {};
    UniqueFd entries_dir =
        fs::open_dir_if_exists(boot_dirfd, fs::join(loader_dir_name(version), kEntriesDir));
    if (!entries_dir)
        return {};

    std::vector<BootEntry> entries;
    for (const auto& name : fs::list_dir(entries_dir.get())) {
        // Anything else in entries/ is a leftover temp file of an interrupted write.
        if (!ends_with(name, kConfSuffix))
            continue;
        BootEntry entry = BootEntry::parse(fs::read_file_at(entries_dir.get(), name), name);
        entry.linux_path = strip_boot_path_prefix(entry.linux_path);
        entry.initrd_path = strip_boot_path_prefix(entry.initrd_path);
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(), [](const BootEntry& a, const BootEntry& b) {
        int pa = boot_position(a.file_name);
        int pb = boot_position(b.file_name);
        return pa != pb ? pa < pb : a.file_name < b.file_name;
    });
    return entries;
}

bool write_boot_entries(int boot_dirfd, std::vector<BootEntry> entries,
                        const BootWriteOptions& options) {
    assign_names(entries);
    RenderedConfig config = render_config(std::move(entries), options);

    int live = current_loader_version(boot_dirfd);
    if (live >= 0 && read_live_config(boot_dirfd, live) == config)
        return false;

    std::string next = loader_dir_name(std::max(live, 0) + 1);
    // Leftovers of a run that died before its swap: never live, safe to replace.
    fs::remove_tree_at(boot_dirfd, next);
    fs::remove_tree_at(boot_dirfd, std::string(kTempLink));
    try {
        write_loader_dir(boot_dirfd, next, config);
        ensure_grub_link(boot_dirfd);
        if (::symlinkat(next.c_str(), boot_dirfd, kTempLink.data()) != 0) {
            throw_errno("cannot create symlink", fmt::format("boot/{}", kTempLink));
        }
        // The new directory and the temp link must be durable before the rename can be.
        fs::fsync_dir(boot_dirfd);
        fault_point("boot-before-swap");
        if (::renameat(boot_dirfd, kTempLink.data(), boot_dirfd, kLoaderLink.data()) != 0) {
            throw_errno("cannot switch", "boot/loader");
        }
    } catch (...) {
        remove_quietly(boot_dirfd, kTempLink);
        remove_quietly(boot_dirfd, next);
        throw;
    }
    fs::fsync_dir(boot_dirfd);
    fault_point("boot-after-swap");
    // Linux already sees the switch (the journal has it); this makes GRUB see it too.
    flush_boot_filesystem(boot_dirfd);
    fault_point("boot-flushed");
    return true;
}

void remove_stale_loaders(int boot_dirfd) {
    auto live = read_loader_link(boot_dirfd);
    bool removed = false;
    for (const auto& name : fs::list_dir(boot_dirfd)) {
        if (name.compare(0, kLoaderPrefix.size(), kLoaderPrefix) != 0)
            continue;
        if (live && name == *live)
            continue;
        fs::remove_tree_at(boot_dirfd, name);
        removed = true;
    }
    if (removed) {
        fs::fsync_dir(boot_dirfd);
        flush_boot_filesystem(boot_dirfd);
    }
}

}  // namespace deploy::boot
