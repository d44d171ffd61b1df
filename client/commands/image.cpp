#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "deploy/image/image.hpp"
#include "terminal_progress.hpp"

namespace deployctl {

namespace {

struct ImageArgs {
    std::string repo, ref, os, size, boot_size = "512M", output, device;
    std::vector<std::string> bootloaders, kargs;
    bool boot_partition = false, qcow2 = false;
};

void run_image_create(const GlobalOptions& options, const ImageArgs& a) {
    deploy::image::ImageOptions o;
    o.repo = a.repo;
    o.ref = a.ref;
    o.os = a.os;
    o.output = a.output;
    o.device = a.device;
    o.kargs = a.kargs;
    o.boot_partition = a.boot_partition;
    o.qcow2 = a.qcow2;
    if (!a.size.empty())
        o.size = deploy::image::parse_size(a.size);
    o.boot_size = deploy::image::parse_size(a.boot_size);
    o.bootloaders.clear();
    for (const auto& b : a.bootloaders)
        o.bootloaders.push_back(deploy::image::parse_bootloader(b));
    if (o.bootloaders.empty())
        o.bootloaders.push_back(deploy::image::Bootloader::GrubBios);

    TerminalProgress progress(options.json);
    auto result = deploy::image::create_image(o, progress);
    const std::string where = o.device.empty() ? o.output : o.device;
    if (options.json) {
        nlohmann::json parts = nlohmann::json::array();
        for (const auto& p : result.partitions)
            parts.push_back(
                {{"role", p.role}, {"start", p.start}, {"size", p.size}, {"uuid", p.fs_uuid}});
        nlohmann::json loaders = nlohmann::json::array();
        for (auto b : o.bootloaders)
            loaders.push_back(deploy::image::bootloader_name(b));
        fmt::print("{}\n", nlohmann::json{{"output", where},
                                          {"commit", result.commit},
                                          {"deployment", result.deployment},
                                          {"kargs", result.kargs},
                                          {"label", result.label},
                                          {"bootloaders", loaders},
                                          {"partitions", parts}}
                               .dump(2));
        return;
    }
    fmt::print("Wrote {} ({} partition table): {} deployed\n", where, result.label,
               result.deployment);
    for (const auto& p : result.partitions)
        fmt::print("  {:<9} start {:>6} MiB  size {:>6} MiB  {}\n", p.role, p.start >> 20,
                   p.size >> 20, p.fs_uuid);
    std::string kargs;
    for (const auto& k : result.kargs)
        kargs += (kargs.empty() ? "" : " ") + k;
    fmt::print("  kernel arguments: {}\n", kargs);
}

}  // namespace

void register_image_command(CLI::App& app, GlobalOptions& options) {
    auto* cmd = app.add_subcommand("image", "Build bootable disk images");
    cmd->require_subcommand(1);
    auto* create = cmd->add_subcommand(
        "create", "Write a bootable disk image (or disk) with REF of a repository deployed");
    auto a = std::make_shared<ImageArgs>();
    create->add_option("--repo", a->repo, "Repository holding REF")->required();
    create->add_option("--ref", a->ref, "Ref to deploy (the image tracks origin:REF)")->required();
    create->add_option("--os", a->os, "OS name of the image's sysroot")->required();
    create->add_option("--size", a->size, "Image size (e.g. 4G); default for --device: the disk");
    create
        ->add_option("--bootloader", a->bootloaders,
                     "grub-bios (default) or grub-efi; give both for a hybrid disk")
        ->check(CLI::IsMember({"grub-bios", "grub-efi"}))
        ->allow_extra_args(false);
    // One value per occurrence, so OUT.img after a --karg is not taken as another argument.
    create->add_option("--karg", a->kargs, "Kernel argument (repeat); root=UUID=... rw is added")
        ->allow_extra_args(false);
    create->add_flag("--boot-partition", a->boot_partition, "Put /boot on its own partition");
    create->add_option("--boot-size", a->boot_size, "Size of the /boot partition (default 512M)");
    create->add_flag("--qcow2", a->qcow2, "Write qcow2 instead of raw (needs qemu-img)");
    create->add_option("--device", a->device, "Install onto this block device instead of a file");
    create->add_option("output", a->output, "Image file to write (replaced only on success)");
    create->callback([&options, a] { run_image_create(options, *a); });
}

}  // namespace deployctl
