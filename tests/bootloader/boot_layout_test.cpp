#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "deploy/bootloader/boot_config.hpp"
#include "deploy/bootloader/boot_layout.hpp"
#include "deploy/bootloader/boot_menu.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using boot::BootEntry;

namespace {

BootEntry entry(const std::string& id) {
    BootEntry e;
    e.title = "myos 1.0 (" + id + ")";
    e.linux_path = "/myos/csum/vmlinuz-6.1";
    e.initrd_path = "/myos/csum/initramfs-6.1.img";
    e.options = "root=LABEL=root deploy=/deploy/myos/" + id;
    return e;
}

bool grub_script_check(const std::string& path) {
    if (!fs::exists_at(AT_FDCWD, "/usr/bin/grub-script-check"))
        return true;  // not installed: the other checks still run
    return std::system(("/usr/bin/grub-script-check '" + path + "'").c_str()) == 0;
}

}  // namespace

TEST_CASE("boot/ as a directory of the root filesystem: paths start with /boot/",
          "[bootloader][layout]") {
    test::TempDir sysroot;
    fs::mkdir_p_at(sysroot.fd(), "boot");
    UniqueFd boot = fs::open_dir(sysroot.fd(), "boot");
    std::string prefix = boot::boot_path_prefix(boot::BootLayout::Auto, sysroot.fd(), boot.get());
    REQUIRE(prefix == "/boot");

    boot::BootWriteOptions options;
    options.path_prefix = prefix;
    REQUIRE(boot::write_boot_entries(boot.get(), {entry("a.0"), entry("b.0")}, options));
    std::string bls = fs::read_file_at(boot.get(), "loader/entries/deployd-myos-01.conf");
    CHECK_THAT(bls, Catch::Contains("linux /boot/myos/csum/vmlinuz-6.1\n"));
    CHECK_THAT(bls, Catch::Contains("initrd /boot/myos/csum/initramfs-6.1.img\n"));
    std::string cfg = fs::read_file_at(boot.get(), "loader/grub.cfg");
    CHECK_THAT(cfg, Catch::Contains("    linux /boot/myos/csum/vmlinuz-6.1 "));
    CHECK_THAT(cfg, Catch::Contains("    initrd /boot/myos/csum/initramfs-6.1.img\n"));

    // Read back relative to the boot filesystem, so kernel cleanup and re-writes see one form.
    auto entries = boot::read_boot_entries(boot.get());
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].linux_path == "/myos/csum/vmlinuz-6.1");
    CHECK(entries[0].initrd_path == "/myos/csum/initramfs-6.1.img");
    CHECK_FALSE(boot::write_boot_entries(boot.get(), entries, options));

    // The same entries for a separate partition: a real change, paths without the prefix.
    REQUIRE(boot::write_boot_entries(boot.get(), entries, {}));
    CHECK_THAT(fs::read_file_at(boot.get(), "loader/entries/deployd-myos-01.conf"),
               Catch::Contains("linux /myos/csum/vmlinuz-6.1\n"));
}

TEST_CASE("separate /boot filesystem: paths relative to it", "[bootloader][layout]") {
    test::TempDir sysroot;
    std::string tmpl = "/dev/shm/deployd-boot-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
        WARN("no /dev/shm; skipping");
        return;
    }
    UniqueFd boot = fs::open_dir(tmpl);
    struct stat a, b;
    REQUIRE(::fstat(sysroot.fd(), &a) == 0);
    REQUIRE(::fstat(boot.get(), &b) == 0);
    if (a.st_dev == b.st_dev) {
        WARN("/dev/shm is on the same filesystem as /tmp; skipping");
    } else {
        CHECK(boot::boot_path_prefix(boot::BootLayout::Auto, sysroot.fd(), boot.get()) == "");
    }
    // An explicit layout wins over detection (an image's boot/ becomes a partition later).
    CHECK(boot::boot_path_prefix(boot::BootLayout::Partition, sysroot.fd(), sysroot.fd()) == "");
    CHECK(boot::boot_path_prefix(boot::BootLayout::Directory, sysroot.fd(), boot.get()) == "/boot");
    boot.reset();
    UniqueFd root = fs::open_dir("/");
    fs::remove_tree_at(root.get(), tmpl.substr(1));
}

TEST_CASE("strip_boot_path_prefix tells the prefix from an OS called boot",
          "[bootloader][layout]") {
    using boot::strip_boot_path_prefix;
    CHECK(strip_boot_path_prefix("/boot/myos/c/vmlinuz") == "/myos/c/vmlinuz");
    CHECK(strip_boot_path_prefix("/boot/c/vmlinuz") == "/boot/c/vmlinuz");  // os "boot"
    CHECK(strip_boot_path_prefix("/boot/boot/c/vmlinuz") == "/boot/c/vmlinuz");
    CHECK(strip_boot_path_prefix("/myos/c/vmlinuz") == "/myos/c/vmlinuz");
    CHECK(strip_boot_path_prefix("") == "");
    CHECK_THROWS_AS(boot::parse_boot_layout("separate", "--boot-layout"), InvalidError);
    CHECK(boot::parse_boot_layout("partition", "x") == boot::BootLayout::Partition);
}

TEST_CASE("grub.cfg menu settings from [Boot] pass grub-script-check", "[bootloader][menu]") {
    test::TempDir dir;
    struct Case {
        const char* conf;
        std::vector<std::string> expect;
    };
    const Case cases[] = {
        {"", {"set timeout=5\n", "terminal_input console\n", "terminal_output console\n"}},
        {"[Daemon]\nIdleExitTimeout=3\n[Boot]\nTimeout=0\n", {"set timeout=0\n"}},
        {"[Boot]\nTerminal=serial\nSerialSpeed=9600\n",
         {"serial --unit=0 --speed=9600\n", "terminal_input serial\n", "terminal_output serial\n"}},
        {"# comment\n[Boot]\n Terminal = both \nSerialUnit=1\nTimeout=10\n",
         {"set timeout=10\n", "serial --unit=1 --speed=115200\n", "terminal_input serial console\n",
          "terminal_output serial console\n"}},
    };
    for (const auto& c : cases) {
        boot::BootMenu menu = boot::parse_boot_menu(c.conf, "deployd.conf");
        std::string cfg = boot::render_grub_cfg({entry("a.0"), entry("b.0")}, menu);
        for (const auto& e : c.expect)
            CHECK_THAT(cfg, Catch::Contains(e));
        CHECK_THAT(cfg, Catch::Contains("menuentry 'myos 1.0 (a.0)'"));
        CHECK_THAT(cfg, Catch::Contains("menuentry 'myos 1.0 (b.0)'"));
        fs::write_file_atomic(dir.fd(), "grub.cfg", cfg);
        CHECK(grub_script_check(dir / "grub.cfg"));
    }
    CHECK(std::string(boot::render_grub_cfg({}, {})).find("serial") == std::string::npos);
}

TEST_CASE("bad [Boot] settings are errors naming file, line and key", "[bootloader][menu]") {
    auto error_of = [](const std::string& text) {
        try {
            boot::parse_boot_menu(text, "/etc/deployd.conf");
        } catch (const InvalidError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(error_of("[Boot]\nTimeout=soon\n"),
               Catch::StartsWith("/etc/deployd.conf:2: Timeout (seconds) must be a number"));
    CHECK_THAT(error_of("[Boot]\nTimeout=99999\n"), Catch::Contains("0-3600"));
    CHECK_THAT(error_of("[Boot]\nTerminal=vga\n"),
               Catch::Contains("Terminal must be console, serial or both, got 'vga'"));
    CHECK_THAT(error_of("[Boot]\nSerialSpeed=12345\n"),
               Catch::Contains("not a standard baud rate"));
    CHECK_THAT(error_of("[Boot]\nTimout=1\n"), Catch::Contains("unknown key 'Timout' in [Boot]"));
    CHECK_THAT(error_of("[Boot]\njunk\n"), Catch::Contains(":2: expected KEY=VALUE"));
    // Other sections are the daemon's business.
    CHECK(error_of("[Daemon]\nWhatever=1\n") == "no error");
}

TEST_CASE("read_boot_menu reads a deployment's etc/deployd.conf", "[bootloader][menu]") {
    test::TempDir tree;
    CHECK(boot::read_boot_menu(tree.fd(), "t").timeout_seconds == 5);
    fs::mkdir_p_at(tree.fd(), "etc");
    fs::write_file_atomic(tree.fd(), "etc/deployd.conf", "[Boot]\nTimeout=1\nTerminal=serial\n");
    auto menu = boot::read_boot_menu(tree.fd(), "t");
    CHECK(menu.timeout_seconds == 1);
    CHECK(menu.terminal == boot::MenuTerminal::Serial);
}
