// A sysroot: the store, the deployments, /var per OS and the boot configuration.
//
//   <root>/deployd.json                 {"format":1,"os":"<name>"} plus optional "kargs" (the
//                                       sysroot-wide default kernel arguments) and
//                                       "boot_layout" (auto|directory|partition)
//   <root>/repo/                        the store (objects, refs, remotes)
//   <root>/deploy/<os>/<commit>.<N>/    deployment trees (hardlink checkouts + merged etc)
//   <root>/deploy/<os>/<id>.origin      origin records
//   <root>/deploy/<os>/var/             /var shared by the OS's deployments
//   <root>/boot/                        kernels and loader.N (see bootloader/)
//   <root>/.lock                        writer lock (holder pid inside)
// The live boot entries are the source of truth for which deployments exist and their order.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deploy/bootloader/boot_layout.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/sysroot/deployment.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/lock.hpp"

namespace deploy::sysroot {

struct SysrootOptions {
    std::string path;
    // File holding the kernel command line; default /proc/cmdline.
    std::string cmdline_file;
};

struct InitOptions {
    // Sysroot-wide default kernel arguments: the first deployment (nothing to inherit from) gets
    // them before the commit's own (root=, console=, ...).
    std::vector<std::string> kargs;
    // How boot loaders see boot/: Partition when an image puts it on its own filesystem later.
    boot::BootLayout boot_layout = boot::BootLayout::Auto;
};

class Sysroot {
  public:
    // Creates (or completes) the layout for OS `os`; Invalid if already set up for another OS.
    // Re-running it on an existing sysroot replaces kargs/boot_layout only when given.
    static void init(const std::string& path, const std::string& os,
                     const InitOptions& options = {});
    static Sysroot open(const SysrootOptions& options);

    Sysroot(Sysroot&&) = default;

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }
    int boot_fd() const { return boot_fd_.get(); }
    const std::string& os() const { return os_; }
    repo::Repo& repo() { return repo_; }
    const repo::Repo& repo() const { return repo_; }

    // Deployments in boot order (first = default), read from the live boot entries.
    std::vector<Deployment> deployments() const;
    // The deploy= path on the kernel command line, "" when not booted into a deployment here.
    std::string booted_path() const;

    // Sysroot-wide default kernel arguments (init --karg, kargs --sysroot-default).
    const std::vector<std::string>& default_kargs() const { return default_kargs_; }
    // Replaces them in deployd.json (atomically); the caller holds the lock.
    void set_default_kargs(const std::vector<std::string>& kargs);
    boot::BootLayout boot_layout() const { return boot_layout_; }
    // "/boot" or "": the prefix of kernel paths in boot entries for this sysroot's layout.
    std::string boot_path_prefix() const;

    // Index helpers over a deployment list.
    static std::optional<size_t> booted_index(const std::vector<Deployment>& list);
    // The deployment whose /etc and kargs a new deployment inherits: booted, else default.
    static std::optional<size_t> merge_index(const std::vector<Deployment>& list);

    Origin read_origin(const Deployment& d) const;
    void write_origin(const Deployment& d, const Origin& origin);

    // Takes the writer lock (BusyError naming the holder) and removes leftovers of interrupted
    // runs. Every mutating operation holds one for its whole duration.
    std::unique_ptr<WriterLock> lock(const std::string& operation);

  private:
    Sysroot(std::string path, UniqueFd fd, repo::Repo repo);

    std::string path_;
    UniqueFd fd_;
    UniqueFd boot_fd_;
    std::string os_;
    repo::Repo repo_;
    std::string cmdline_file_;
    std::vector<std::string> default_kargs_;
    boot::BootLayout boot_layout_ = boot::BootLayout::Auto;
};

}  // namespace deploy::sysroot
