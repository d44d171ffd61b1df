// Which external tools an image build needs and which Debian package ships each.
#include <unistd.h>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/child_process.hpp"
#include "image_steps.hpp"

namespace deploy::image {

namespace {

struct Requirement {
    const char* what;  // program name, or an absolute path of a data file
    const char* package;
};

}  // namespace

void check_tools(const ImageOptions& options) {
    std::vector<Requirement> needed = {
        {"sfdisk", "fdisk"},
        {"mkfs.ext4", "e2fsprogs"},
        {"grub-mkimage", "grub-common"},
    };
    for (Bootloader b : options.bootloaders) {
        if (b == Bootloader::GrubBios) {
            needed.push_back({"/usr/lib/grub/i386-pc/boot.img", "grub-pc-bin"});
            needed.push_back({"/usr/lib/grub/i386-pc/biosdisk.mod", "grub-pc-bin"});
        } else {
            needed.push_back({"/usr/lib/grub/x86_64-efi/normal.mod", "grub-efi-amd64-bin"});
            needed.push_back({"mformat", "mtools"});
            needed.push_back({"mmd", "mtools"});
            needed.push_back({"mcopy", "mtools"});
        }
    }
    if (options.qcow2)
        needed.push_back({"qemu-img", "qemu-utils"});
    for (const auto& r : needed) {
        const std::string what = r.what;
        bool present = what.front() == '/' ? ::access(what.c_str(), R_OK) == 0
                                           : !util::find_program(what).empty();
        if (!present) {
            throw NotFoundError(
                fmt::format("image create: {} not found (install the Debian "
                            "package '{}')",
                            what, r.package));
        }
    }
}

}  // namespace deploy::image
