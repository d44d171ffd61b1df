// The one kernel-argument rule: what is accepted (and in which canonical form), what is refused
// and with which wording, and the checks on a whole options line.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/bootloader/kernel_args.hpp"
#include "deploy/error.hpp"

using namespace deploy;
using boot::normalize_kernel_arg;

TEST_CASE("kernel arguments: accepted shapes and their canonical form", "[bootloader][kargs]") {
    for (const char* same : {"quiet", "console=ttyS0,115200n8", "root=UUID=ab-12", "a.b-c_d=1=2",
                             "rd.lvm.lv=vg/root", "x=", R"(dyndbg="file a.c +p")",
                             R"(acpi_osi="!Windows 2012")", "isolcpus=1-3,5", "k=v~1+2@%:"}) {
        INFO(same);
        CHECK(normalize_kernel_arg(same) == same);
    }
    // Spaces are quoted around the value, however they were given.
    CHECK(normalize_kernel_arg("foo=a b") == R"(foo="a b")");
    CHECK(normalize_kernel_arg(R"("foo=a b")") == R"(foo="a b")");
    CHECK(normalize_kernel_arg(R"("quiet")") == "quiet");
    CHECK(normalize_kernel_arg(R"(k="v")") == "k=v");
    CHECK(normalize_kernel_arg(R"(k="")") == "k=");
    CHECK(boot::kernel_arg_key(R"(foo="a b")") == "foo");
}

TEST_CASE("kernel arguments: refused with one line naming the reason", "[bootloader][kargs]") {
    struct Bad {
        std::string arg;
        const char* why;
    };
    const std::vector<Bad> bad = {
        {"", "empty argument"},
        {"=x", "empty key"},
        {"a b", "spaces are only allowed in the value"},
        {R"("a b=c")", "spaces are only allowed in the value"},
        {R"(a"b)", "quotes are only allowed"},
        {R"(a="b)", "quotes are only allowed"},
        {R"(a=b"c d")", "quotes are only allowed"},
        {R"(a="b"c")", "quotes are only allowed"},
        {"a\tb", "control characters"},
        {"a\nb", "control characters"},
        {"a=\xc3\xa9", "non-ASCII"},
        {"x;reboot", "';' is not allowed (GRUB would interpret it)"},
        {"x=$(reboot)", "'$'"},
        {"x=a'b", "'''"},
        {"x=`id`", "'`'"},
        {"x={a}", "'{'"},
        {"#x", "'#'"},
        {"x|y", "'|'"},
        {"x&y", "'&'"},
        {"x<y", "'<'"},
        {"x>y", "'>'"},
        {"a\\b", "'\\'"},
        {R"(k="a;b c")", "';'"},
        {"deploy=/deploy/os/x.7", "'deploy' is managed by deployd"},
        {"deploy", "'deploy' is managed by deployd"},
        {R"("deploy=/x")", "'deploy' is managed by deployd"},
        {"deployd.boot=1", "'deployd.boot' is managed by deployd"},
        {"k=" + std::string(2050, 'v'), "longer than the 2048-byte kernel command line"},
    };
    for (const auto& [arg, why] : bad) {
        INFO(arg);
        try {
            normalize_kernel_arg(arg);
            FAIL("accepted");
        } catch (const InvalidError& e) {
            std::string msg = e.what();
            CHECK_THAT(msg, Catch::StartsWith("invalid kernel argument '"));
            CHECK_THAT(msg, Catch::Contains(why));
            CHECK(msg.find('\n') == std::string::npos);
            CHECK(msg.size() < 200);
        }
    }
    // A list is refused as a whole.
    CHECK_THROWS_AS(boot::normalize_kernel_args({"quiet", "x;y"}), InvalidError);
}

TEST_CASE("kernel command line: one deploy=, GRUB-safe, at most 2048 bytes",
          "[bootloader][kargs]") {
    CHECK_NOTHROW(boot::check_kernel_cmdline(R"(quiet k="a b" deploy=/deploy/os/a.0)", "e"));
    CHECK_THROWS_WITH(
        boot::check_kernel_cmdline("deploy=/deploy/os/b.7 deploy=/deploy/os/a.0", "e"),
        "e: several deploy= arguments");
    CHECK_THROWS_WITH(boot::check_kernel_cmdline("quiet x;reboot deploy=/a", "entry x.conf"),
                      Catch::StartsWith("entry x.conf: invalid kernel argument 'x;reboot'"));
    CHECK_THROWS_WITH(boot::check_kernel_cmdline(R"(k="unterminated deploy=/a)", "e"),
                      Catch::Contains("quotes"));
    std::string line;
    while (line.size() <= boot::kMaxKernelCmdline)
        line += "abcdefgh=12345678 ";
    CHECK_THROWS_WITH(boot::check_kernel_cmdline(line, "e"),
                      Catch::Contains("more than the 2048 the kernel accepts"));
}

TEST_CASE("boot entries refuse unsafe options, paths and a second deploy=", "[bootloader][kargs]") {
    boot::BootEntry e;
    e.file_name = "deployd-os-01.conf";
    e.linux_path = "/os/abc/vmlinuz-6.1";
    e.options = R"(k="a b" deploy=/deploy/os/a.0)";
    CHECK_THAT(e.render(), Catch::Contains("options k=\"a b\" deploy=/deploy/os/a.0\n"));

    e.options = "x=$(reboot) deploy=/deploy/os/a.0";
    CHECK_THROWS_WITH(e.render(), Catch::StartsWith("boot entry deployd-os-01.conf: invalid "
                                                    "kernel argument"));
    e.options = "deploy=/deploy/os/a.0";
    e.linux_path = "/os/abc/vmlinuz-6.1 0 quiet";
    CHECK_THROWS_WITH(e.render(), Catch::Contains("linux path"));
    e.linux_path = "/os/abc/vmlinuz-6.1;reboot";
    CHECK_THROWS_AS(e.render(), InvalidError);

    auto parsed = boot::BootEntry::parse(
        "linux /k\noptions deploy=/deploy/os/other.7 quiet deploy=/deploy/os/a.0\n", "x.conf");
    CHECK_THROWS_WITH(parsed.deploy_path(),
                      Catch::StartsWith("boot entry x.conf: several deploy="));
}
