#include <catch2/catch.hpp>

#include <fcntl.h>

#include <cstdlib>
#include <string>

#include "deploy/bootloader/boot_config.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using boot::BootEntry;

namespace {

constexpr const char* kGrubScriptCheck = "/usr/bin/grub-script-check";

bool grub_script_check_passes(const test::TempDir& dir, const std::string& rel,
                              bool quiet = false) {
    std::string cmd = std::string(kGrubScriptCheck) + " '" + (dir / rel) + "'";
    if (quiet)
        cmd += " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

BootEntry hostile_entry() {
    BootEntry e;
    e.title = R"(it's "my" OS; $(reboot) {evil} \ 1.0)";
    e.version = "1.0";
    e.linux_path = "/myos/abc/vmlinuz-6.1";
    e.initrd_path = "/myos/abc/initramfs-6.1.img";
    e.options = R"(root=/dev/vda rw deploy=/deploy/myos/abc.0 dyndbg="file a.c +p" x=$y;z)";
    return e;
}

}  // namespace

TEST_CASE("grub.cfg lists entries in order with quoted titles", "[bootloader]") {
    BootEntry plain;
    plain.title = "myos 2.0";
    plain.linux_path = "/myos/def/vmlinuz-6.2";
    plain.options = "root=/dev/vda deploy=/deploy/myos/def.0";
    std::string cfg = boot::render_grub_cfg({plain, hostile_entry()});

    CHECK_THAT(cfg, Catch::Contains("set default=0"));
    CHECK_THAT(cfg, Catch::Contains("set timeout="));
    CHECK_THAT(cfg, Catch::Contains("menuentry 'myos 2.0' {\n"
                                    "    linux /myos/def/vmlinuz-6.2 root=/dev/vda "
                                    "deploy=/deploy/myos/def.0\n"
                                    "}\n"));
    CHECK_THAT(cfg, Catch::Contains(R"(menuentry 'it'\''s "my" OS; $(reboot) {evil} \ 1.0' {)"));
    CHECK_THAT(cfg, Catch::Contains("'dyndbg=file a.c +p' 'x=$y;z'"));
    CHECK_THAT(cfg, Catch::Contains("    initrd /myos/abc/initramfs-6.1.img\n"));
    CHECK(cfg.find("myos 2.0") < cfg.find("it'"));
}

TEST_CASE("written grub.cfg passes grub-script-check", "[bootloader]") {
    if (!fs::exists_at(AT_FDCWD, kGrubScriptCheck)) {
        WARN("grub-script-check not installed; skipping");
        return;
    }
    test::TempDir boot;
    // Entries refuse GRUB metacharacters in options (blscfg would execute them); the title
    // stays hostile: only our grub.cfg quoting keeps it inert.
    BootEntry entry = hostile_entry();
    CHECK_THROWS_AS(boot::write_boot_entries(boot.fd(), {entry}), InvalidError);
    entry.options = R"(root=/dev/vda rw deploy=/deploy/myos/abc.0 dyndbg="file a.c +p" "q=x y")";
    REQUIRE(boot::write_boot_entries(boot.fd(), {entry}));
    CHECK_THAT(fs::read_file_at(boot.fd(), "loader/grub.cfg"),
               Catch::Contains("'dyndbg=file a.c +p' 'q=x y'\n"));
    CHECK(grub_script_check_passes(boot, "loader/grub.cfg"));
    CHECK(grub_script_check_passes(boot, "grub/grub.cfg"));

    // The check is not vacuous: an unbalanced quote is caught.
    fs::write_file_atomic(boot.fd(), "broken.cfg", "menuentry 'it's' {\n}\n");
    CHECK_FALSE(grub_script_check_passes(boot, "broken.cfg", true));

    REQUIRE(boot::write_boot_entries(boot.fd(), {}));
    CHECK(grub_script_check_passes(boot, "loader/grub.cfg"));
}
