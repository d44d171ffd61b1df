// Kernels live once per content on the boot filesystem, under boot/<os>/<bootcsum>/, so
// deployments that share a kernel share its files and /boot grows only with distinct kernels.
#include "deploy/bootloader/kernel_install.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"
#include "deploy/util/sha256.hpp"

namespace deploy::boot {

namespace {

constexpr std::string_view kModulesDir = "usr/lib/modules";
constexpr std::string_view kStagingPrefix = ".tmp-";
// Versions the manifest format: a different layout must never collide with an existing key.
constexpr std::string_view kManifestHeader = "deployd boot files v2\n";

// The modules dir, or an empty fd when the tree has none (or a symlink where it should be).
UniqueFd open_modules_dir(int tree_dirfd) {
    try {
        return fs::open_dir_if_exists(tree_dirfd, std::string(kModulesDir));
    } catch (const SystemError& e) {
        if (e.code() == ENOTDIR || e.code() == ELOOP)
            return UniqueFd();
        throw;
    }
}

// Opens a file of the tree for reading; a symlink or special file is refused so a hostile tree
// cannot make us copy /etc/shadow or a device onto /boot.
UniqueFd open_regular(int dirfd, const std::string& name, const std::string& what) {
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        if (errno == ELOOP)
            throw InvalidError(fmt::format("{} is not a regular file", what));
        throw_errno("cannot open", what);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("cannot stat", what);
    if (!S_ISREG(st.st_mode))
        throw InvalidError(fmt::format("{} is not a regular file", what));
    return fd;
}

uint64_t hash_file(int fd, Sha256& hash, const std::string& what) {
    uint64_t total = 0;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", what);
        }
        if (n == 0)
            return total;
        hash.update(buf, static_cast<size_t>(n));
        total += static_cast<uint64_t>(n);
    }
}

void fsync_fd(int fd, const std::string& what) {
    if (::fsync(fd) != 0)
        throw_errno("cannot fsync", what);
}

// Hardlinks src into the staging dir; across filesystems (the usual /boot partition), or where
// linking is not allowed, copies it instead.
void place_file(int tree_dirfd, const std::string& src, int staging_dirfd,
                const std::string& name) {
    if (::linkat(tree_dirfd, src.c_str(), staging_dirfd, name.c_str(), 0) == 0) {
        // The deployment's checkout may not be synced yet; the boot copy must be.
        UniqueFd fd = open_regular(staging_dirfd, name, src);
        fsync_fd(fd.get(), name);
        return;
    }
    if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != EOPNOTSUPP) {
        throw_errno("cannot link", src);
    }
    UniqueFd in = open_regular(tree_dirfd, src, src);
    UniqueFd out(
        ::openat(staging_dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out)
        throw_errno("cannot create", name);
    fs::copy_file_content(in.get(), out.get(), src);
    fsync_fd(out.get(), name);
}

void remove_quietly(int dirfd, const std::string& name) noexcept {
    try {
        fs::remove_tree_at(dirfd, name);
    } catch (...) {
    }
}

// "<os>/<csum>" of a path "/<os>/<csum>/<file>" on the boot filesystem, "" for other shapes.
std::string kernel_dir_of(const std::string& boot_path) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos < boot_path.size()) {
        size_t next = boot_path.find('/', pos);
        if (next == std::string::npos)
            next = boot_path.size();
        if (next > pos)
            parts.push_back(boot_path.substr(pos, next - pos));
        pos = next + 1;
    }
    if (parts.size() < 3)
        return {};
    return parts[0] + "/" + parts[1];
}

// True when boot/<os>/<csum> holds exactly `files`, each a regular file of the expected size and
// content. The name alone proves nothing: an older layout, a crafted /boot or a disk error can
// leave other bytes under it. A file that is the tree's own file (hardlinked: /boot on the same
// filesystem) was hashed by find_kernel just now and is not read again.
bool kernel_dir_matches(int os_dirfd, const std::string& csum, int tree_dirfd,
                        const std::vector<BootFile>& files) {
    UniqueFd dir = fs::open_dir(os_dirfd, csum);
    std::vector<std::string> want;
    for (const auto& f : files)
        want.push_back(f.name);
    std::sort(want.begin(), want.end());
    if (fs::list_dir(dir.get()) != want)
        return false;
    for (const auto& f : files) {
        UniqueFd fd(::openat(dir.get(), f.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        struct stat st;
        if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
            static_cast<uint64_t>(st.st_size) != f.size)
            return false;
        struct stat src;
        if (::fstatat(tree_dirfd, f.source.c_str(), &src, AT_SYMLINK_NOFOLLOW) == 0 &&
            src.st_dev == st.st_dev && src.st_ino == st.st_ino)
            continue;
        Sha256 hash;
        hash_file(fd.get(), hash, f.name);
        if (hash.hex_digest() != f.sha256)
            return false;
    }
    return true;
}

bool is_staging_name(std::string_view name) {
    return name.substr(0, kStagingPrefix.size()) == kStagingPrefix &&
           is_valid_checksum(name.substr(kStagingPrefix.size(), 64));
}

}  // namespace

void check_kernel_version(const std::string& kver) {
    bool ok = !kver.empty() && kver.size() <= 255 && kver.front() != '.' && kver.front() != '-';
    std::string shown;
    for (unsigned char c : kver) {
        bool allowed =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            std::string_view("._+~-").find(static_cast<char>(c)) != std::string_view::npos;
        ok = ok && allowed;
        shown += c < 0x20 || c >= 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, c);
    }
    if (!ok) {
        throw InvalidError(
            fmt::format("invalid kernel version '{}' in {}: use letters, digits and "
                        ". _ + ~ - (not first: . -)",
                        shown, kModulesDir));
    }
}

KernelFiles find_kernel(int tree_dirfd) {
    const std::string expected =
        fmt::format("tree has no kernel: expected {}/<kver>/vmlinuz", kModulesDir);
    UniqueFd modules = open_modules_dir(tree_dirfd);
    if (!modules)
        throw InvalidError(expected);

    std::vector<std::string> kvers;
    for (const auto& name : fs::list_dir(modules.get())) {
        struct stat st;
        if (!fs::lstat_at_if_exists(modules.get(), name, st) || !S_ISDIR(st.st_mode))
            continue;
        if (fs::lstat_at_if_exists(modules.get(), name + "/vmlinuz", st))
            kvers.push_back(name);
    }
    if (kvers.empty())
        throw InvalidError(expected);
    if (kvers.size() > 1) {
        throw InvalidError(fmt::format("several kernels found: {}", fmt::join(kvers, ", ")));
    }

    KernelFiles kernel;
    kernel.kver = kvers.front();
    check_kernel_version(kernel.kver);
    std::string dir = fmt::format("{}/{}", kModulesDir, kernel.kver);
    UniqueFd kdir = fs::open_dir(modules.get(), kernel.kver);
    auto add_file = [&](const std::string& src_name, const std::string& boot_name) {
        BootFile file;
        file.name = boot_name;
        file.source = dir + "/" + src_name;
        UniqueFd fd = open_regular(kdir.get(), src_name, file.source);
        Sha256 hash;
        file.size = hash_file(fd.get(), hash, file.source);
        file.sha256 = hash.hex_digest();
        kernel.total_size += file.size;
        kernel.files.push_back(std::move(file));
    };
    add_file("vmlinuz", "vmlinuz-" + kernel.kver);
    kernel.vmlinuz = kernel.files.back().source;
    if (fs::exists_at(kdir.get(), "initramfs.img")) {
        add_file("initramfs.img", "initramfs-" + kernel.kver + ".img");
        kernel.initramfs = kernel.files.back().source;
    }
    // One line per field, none of which can hold a newline or a space: two different sets of
    // files (or versions) cannot produce the same manifest.
    std::string manifest(kManifestHeader);
    manifest += fmt::format("kver {}\n", kernel.kver);
    for (const auto& f : kernel.files)
        manifest += fmt::format("file {} {} {}\n", f.name, f.size, f.sha256);
    kernel.boot_checksum = Sha256::hex_of(manifest);
    return kernel;
}

PlacedKernel install_kernel(int boot_dirfd, const std::string& os, int tree_dirfd,
                            const KernelFiles& kernel) {
    path::check_name(os, "os name");
    check_kernel_version(kernel.kver);
    if (!is_valid_checksum(kernel.boot_checksum)) {
        throw InvalidError(fmt::format("invalid boot checksum '{}'", kernel.boot_checksum));
    }
    if (kernel.files.empty() || kernel.files.size() != (kernel.initramfs.empty() ? 1u : 2u)) {
        throw InvalidError("kernel files were not collected by find_kernel");
    }
    const std::string& csum = kernel.boot_checksum;
    PlacedKernel placed;
    placed.linux_path = fmt::format("/{}/{}/{}", os, csum, kernel.files[0].name);
    if (!kernel.initramfs.empty()) {
        placed.initrd_path = fmt::format("/{}/{}/{}", os, csum, kernel.files[1].name);
    }

    UniqueFd os_dir = fs::open_dir_if_exists(boot_dirfd, os);
    bool replace = false;
    if (os_dir) {
        struct stat st;
        if (fs::lstat_at_if_exists(os_dir.get(), csum, st)) {
            if (!S_ISDIR(st.st_mode)) {
                throw InvalidError(fmt::format("boot/{}/{} is not a directory", os, csum));
            }
            if (kernel_dir_matches(os_dir.get(), csum, tree_dirfd, kernel.files))
                return placed;
            spdlog::warn("boot/{}/{} does not hold the expected kernel files; replacing it", os,
                         csum);
            replace = true;
        }
    }

    check_boot_space(boot_dirfd, kernel.total_size);

    bool created_os_dir = false;
    if (!os_dir) {
        if (::mkdirat(boot_dirfd, os.c_str(), 0755) != 0)
            throw_errno("cannot create", "boot/" + os);
        created_os_dir = true;
        os_dir = fs::open_dir(boot_dirfd, os);
    }
    const std::string staging = fmt::format("{}{}-{}", kStagingPrefix, csum, ::getpid());
    const std::string stale = fmt::format("{}{}-stale-{}", kStagingPrefix, csum, ::getpid());
    try {
        fs::remove_tree_at(os_dir.get(), staging);
        if (::mkdirat(os_dir.get(), staging.c_str(), 0755) != 0) {
            throw_errno("cannot create", staging);
        }
        UniqueFd staging_dir = fs::open_dir(os_dir.get(), staging);
        for (const auto& f : kernel.files)
            place_file(tree_dirfd, f.source, staging_dir.get(), f.name);
        fs::fsync_dir(staging_dir.get());
        if (replace) {
            // The directory's content is already wrong for every entry that names it, so there
            // is no good state to keep during the two renames; a crash between them leaves a
            // staging-named leftover that remove_unused_kernels() deletes.
            fs::remove_tree_at(os_dir.get(), stale);
            if (::renameat(os_dir.get(), csum.c_str(), os_dir.get(), stale.c_str()) != 0) {
                throw_errno("cannot move aside", fmt::format("boot/{}/{}", os, csum));
            }
        }
        if (::renameat(os_dir.get(), staging.c_str(), os_dir.get(), csum.c_str()) != 0) {
            throw_errno("cannot rename into place", fmt::format("boot/{}/{}", os, csum));
        }
        fs::fsync_dir(os_dir.get());
        if (created_os_dir)
            fs::fsync_dir(boot_dirfd);
        if (replace)
            remove_quietly(os_dir.get(), stale);
    } catch (...) {
        remove_quietly(os_dir.get(), staging);
        if (created_os_dir)
            ::unlinkat(boot_dirfd, os.c_str(), AT_REMOVEDIR);
        throw;
    }
    return placed;
}

void remove_unused_kernels(int boot_dirfd, const std::set<std::string>& referenced_paths) {
    std::set<std::string> keep;
    for (const auto& p : referenced_paths) {
        if (auto dir = kernel_dir_of(p); !dir.empty())
            keep.insert(dir);
    }
    // Only checksum-named dirs (and our staging leftovers) are touched: /boot also holds GRUB,
    // the ESP mount and other distributions' files.
    for (const auto& os : fs::list_dir(boot_dirfd)) {
        struct stat st;
        if (!fs::lstat_at_if_exists(boot_dirfd, os, st) || !S_ISDIR(st.st_mode))
            continue;
        UniqueFd os_dir = fs::open_dir(boot_dirfd, os);
        bool removed = false;
        for (const auto& name : fs::list_dir(os_dir.get())) {
            bool unused = is_valid_checksum(name) && !keep.count(os + "/" + name);
            if (!unused && !is_staging_name(name))
                continue;
            if (!fs::lstat_at_if_exists(os_dir.get(), name, st) || !S_ISDIR(st.st_mode))
                continue;
            fs::remove_tree_at(os_dir.get(), name);
            removed = true;
        }
        if (removed)
            fs::fsync_dir(os_dir.get());
    }
}

}  // namespace deploy::boot
