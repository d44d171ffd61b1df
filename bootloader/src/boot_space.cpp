// Refusing early when /boot cannot hold a new kernel: a half-written kernel or a loader.N that
// ran out of space is what fills /boot and breaks the next boot, so we stop before writing.
#include <sys/statvfs.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "deploy/bootloader/kernel_install.hpp"
#include "deploy/error.hpp"
#include "deploy/util/test_seam.hpp"

namespace deploy::boot {

namespace {

// Room left for the loader.N rewrite and filesystem metadata after the kernel lands.
constexpr uint64_t kSafetyMargin = 1024 * 1024;

std::string format_size(uint64_t bytes) {
    if (bytes < 1024)
        return fmt::format("{} bytes", bytes);
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

// Tests cannot fill a real filesystem, so the free figure can be forced.
std::optional<uint64_t> forced_free_bytes() {
    const char* env = test_seam("DEPLOYD_TEST_BOOT_FREE_BYTES");
    if (env == nullptr)
        return std::nullopt;
    std::string_view text(env);
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

uint64_t free_bytes(int boot_dirfd) {
    if (auto forced = forced_free_bytes())
        return *forced;
    struct statvfs vfs;
    if (::fstatvfs(boot_dirfd, &vfs) != 0)
        throw_errno("cannot stat filesystem of", "/boot");
    // f_bavail, not f_bfree: blocks reserved for root are not ours to fill.
    return static_cast<uint64_t>(vfs.f_bavail) * static_cast<uint64_t>(vfs.f_frsize);
}

}  // namespace

void check_boot_space(int boot_dirfd, uint64_t needed) {
    uint64_t available = free_bytes(boot_dirfd);
    uint64_t required = needed + kSafetyMargin;
    if (available < required) {
        throw NoSpaceError(fmt::format("not enough space on /boot: need {}, {} free",
                                       format_size(required), format_size(available)));
    }
}

}  // namespace deploy::boot
