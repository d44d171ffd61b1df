#include <catch2/catch.hpp>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/error.hpp"

using namespace deploy;
using deploy::boot::BootEntry;

TEST_CASE("boot entry renders and parses back", "[bootloader]") {
    BootEntry entry;
    entry.file_name = "deployd-myos-01.conf";
    entry.title = "myos 1.0 (abcdef12)";
    entry.version = "1.0";
    entry.linux_path = "/myos/0123/vmlinuz-6.1";
    entry.initrd_path = "/myos/0123/initramfs-6.1.img";
    entry.options = "root=/dev/sda1 rw deploy=/deploy/myos/abc.0 quiet";
    entry.sort_key = "deployd-01";

    std::string text = entry.render();
    CHECK(text ==
          "title myos 1.0 (abcdef12)\n"
          "version 1.0\n"
          "linux /myos/0123/vmlinuz-6.1\n"
          "initrd /myos/0123/initramfs-6.1.img\n"
          "options root=/dev/sda1 rw deploy=/deploy/myos/abc.0 quiet\n"
          "sort-key deployd-01\n");

    BootEntry back = BootEntry::parse(text, entry.file_name);
    CHECK(back.file_name == entry.file_name);
    CHECK(back.title == entry.title);
    CHECK(back.version == entry.version);
    CHECK(back.linux_path == entry.linux_path);
    CHECK(back.initrd_path == entry.initrd_path);
    CHECK(back.options == entry.options);
    CHECK(back.sort_key == entry.sort_key);
    CHECK(back.render() == text);
    CHECK(back.deploy_path() == "/deploy/myos/abc.0");
}

TEST_CASE("boot entry parsing tolerates BLS extras and refuses missing keys", "[bootloader]") {
    BootEntry e = BootEntry::parse(
        "# comment\n\ntitle   spaced   title  \nmachine-id 1234\nlinux\t/k\noptions a=1\r\n",
        "x.conf");
    CHECK(e.title == "spaced   title");
    CHECK(e.linux_path == "/k");
    CHECK(e.options == "a=1");
    CHECK(e.initrd_path.empty());
    CHECK(e.deploy_path().empty());

    CHECK_THROWS_AS(BootEntry::parse("title t\noptions a\n", "x.conf"), InvalidError);
    CHECK_THROWS_WITH(BootEntry::parse("title t\nlinux /k\n", "x.conf"),
                      Catch::Contains("x.conf") && Catch::Contains("options"));
}

TEST_CASE("boot entry refuses values that would inject lines", "[bootloader]") {
    BootEntry entry;
    entry.linux_path = "/k";
    entry.options = "deploy=/deploy/os/a.0";
    entry.title = "evil\nlinux /other";
    CHECK_THROWS_AS(entry.render(), InvalidError);
}

TEST_CASE("kernel arguments split on spaces outside double quotes", "[bootloader]") {
    using boot::join_kernel_args;
    using boot::split_kernel_args;
    CHECK(split_kernel_args("").empty());
    CHECK(split_kernel_args("  a  b=c\t d  ") == std::vector<std::string>{"a", "b=c", "d"});
    const std::string cmdline = R"(root=UUID=1 dyndbg="file foo.c +p" "quoted whole" quiet)";
    auto args = split_kernel_args(cmdline);
    CHECK(args == std::vector<std::string>{"root=UUID=1", R"(dyndbg="file foo.c +p")",
                                           R"("quoted whole")", "quiet"});
    CHECK(join_kernel_args(args) == cmdline);
    // Arguments given with bare spaces are quoted the way the kernel expects.
    CHECK(join_kernel_args({"a", "foo=x y", "bare word"}) == R"(a foo="x y" "bare word")");
    BootEntry e;
    e.options = R"(x=1 deploy="/deploy/os/a.0" y)";
    CHECK(e.deploy_path() == "/deploy/os/a.0");
}
