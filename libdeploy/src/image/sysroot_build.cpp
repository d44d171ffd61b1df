// The root filesystem's content: a fresh sysroot with the commit pulled and deployed by the
// same engine functions `rebase` uses, in-process, as on a machine.
#include <fcntl.h>

#include <filesystem>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deploy/util/fs.hpp"
#include "image_steps.hpp"

namespace deploy::image {

namespace {
// The remote the image's sysroot tracks; `remote add` on the machine can point it elsewhere.
constexpr const char* kRemoteName = "origin";
}  // namespace

BuiltSysroot build_sysroot(const std::string& dir, const ImageOptions& options,
                           const std::vector<std::string>& kargs, Progress& progress) {
    const std::string source = std::filesystem::absolute(options.repo).lexically_normal();
    // The tree is written to a directory here; where boot/ ends up decides the boot loader's
    // paths (/boot/... on the root filesystem, /... on a partition of its own).
    sysroot::InitOptions init;
    init.boot_layout =
        options.boot_partition ? boot::BootLayout::Partition : boot::BootLayout::Directory;
    sysroot::Sysroot::init(dir, options.os, init);
    // An empty command line: the build host's /proc/cmdline must not make anything "booted".
    const std::string cmdline = dir + ".cmdline";
    fs::write_file_atomic(AT_FDCWD, cmdline, "", 0644, false);
    auto sr = sysroot::Sysroot::open({dir, cmdline});
    sr.repo().add_remote({kRemoteName, "file://" + source});
    auto lock = sr.lock("image create");

    repo::PullResult pulled;
    {
        ProgressTask task(progress, "pull");
        pulled = repo::pull(sr.repo(), kRemoteName, options.ref, "", progress);
    }
    sysroot::DeployRequest request;
    request.commit = pulled.commit;
    request.origin.refspec = std::string(kRemoteName) + ":" + options.ref;
    request.origin.base_commit = pulled.commit;
    request.kargs = kargs;
    auto result = sysroot::deploy_commit(sr, request, progress);
    return {pulled.commit, result.deployment.relpath(), result.deployment.kargs};
}

}  // namespace deploy::image
