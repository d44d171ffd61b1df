#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "deploy/bootloader/boot_config.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using boot::BootEntry;

namespace {

BootEntry entry_for(const std::string& os, const std::string& id) {
    BootEntry e;
    e.title = os + " " + id;
    e.version = id;
    e.linux_path = "/" + os + "/csum/vmlinuz-6.1";
    e.initrd_path = "/" + os + "/csum/initramfs-6.1.img";
    e.options = "root=/dev/vda rw deploy=/deploy/" + os + "/" + id + ".0";
    return e;
}

std::string loader_target(const test::TempDir& boot) {
    return std::filesystem::read_symlink(boot / "loader").string();
}

std::vector<std::string> ids_of(const std::vector<BootEntry>& entries) {
    std::vector<std::string> ids;
    for (const auto& e : entries)
        ids.push_back(e.version);
    return ids;
}

}  // namespace

TEST_CASE("no boot configuration yet", "[bootloader]") {
    test::TempDir boot;
    CHECK(boot::current_loader_version(boot.fd()) == -1);
    CHECK(boot::read_boot_entries(boot.fd()).empty());
    boot::remove_stale_loaders(boot.fd());
}

TEST_CASE("writing entries swaps boot/loader to a fresh loader.N", "[bootloader]") {
    test::TempDir boot;
    REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "b"), entry_for("myos", "a")}));
    CHECK(loader_target(boot) == "loader.1");
    CHECK(boot::current_loader_version(boot.fd()) == 1);
    CHECK(fs::exists_at(boot.fd(), "loader.1/entries/deployd-myos-01.conf"));
    CHECK(fs::exists_at(boot.fd(), "loader.1/entries/deployd-myos-02.conf"));
    CHECK(fs::exists_at(boot.fd(), "loader.1/grub.cfg"));
    CHECK_FALSE(fs::exists_at(boot.fd(), "loader.tmp"));
    CHECK(std::filesystem::read_symlink(boot / "grub/grub.cfg") == "../loader/grub.cfg");

    auto entries = boot::read_boot_entries(boot.fd());
    REQUIRE(entries.size() == 2);
    CHECK(ids_of(entries) == std::vector<std::string>{"b", "a"});
    CHECK(entries[0].file_name == "deployd-myos-01.conf");
    CHECK(entries[0].sort_key < entries[1].sort_key);
    CHECK(entries[1].deploy_path() == "/deploy/myos/a.0");

    REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "a"), entry_for("myos", "b")}));
    CHECK(loader_target(boot) == "loader.2");
    CHECK(ids_of(boot::read_boot_entries(boot.fd())) == std::vector<std::string>{"a", "b"});
    // The previous config stays until cleanup, so a crash right after the swap loses nothing.
    CHECK(fs::exists_at(boot.fd(), "loader.1/entries/deployd-myos-01.conf"));
    boot::remove_stale_loaders(boot.fd());
    CHECK_FALSE(fs::exists_at(boot.fd(), "loader.1"));
    CHECK(fs::exists_at(boot.fd(), "loader.2/grub.cfg"));
}

TEST_CASE("identical configuration does not switch", "[bootloader]") {
    test::TempDir boot;
    REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "a")}));
    CHECK_FALSE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "a")}));
    CHECK(loader_target(boot) == "loader.1");
    CHECK_FALSE(fs::exists_at(boot.fd(), "loader.2"));
    // What was read back writes back to the same thing.
    CHECK_FALSE(boot::write_boot_entries(boot.fd(), boot::read_boot_entries(boot.fd())));
}

TEST_CASE("boot order survives more than 99 entries", "[bootloader]") {
    test::TempDir boot;
    std::vector<BootEntry> entries;
    for (int i = 0; i < 101; ++i)
        entries.push_back(entry_for("os", std::to_string(i)));
    REQUIRE(boot::write_boot_entries(boot.fd(), entries));
    auto back = boot::read_boot_entries(boot.fd());
    REQUIRE(back.size() == 101);
    CHECK(back.front().file_name == "deployd-os-001.conf");
    for (size_t i = 0; i < back.size(); ++i) {
        CHECK(back[i].version == std::to_string(i));
        if (i > 0)
            CHECK(back[i - 1].sort_key < back[i].sort_key);
    }
}

TEST_CASE("entries without deploy= are refused before anything is written", "[bootloader]") {
    test::TempDir boot;
    BootEntry bad = entry_for("myos", "a");
    bad.options = "root=/dev/vda";
    CHECK_THROWS_AS(boot::write_boot_entries(boot.fd(), {bad}), InvalidError);
    CHECK(fs::list_dir(boot.fd()).empty());
}

TEST_CASE("stale loader dirs from an interrupted run are replaced and cleaned", "[bootloader]") {
    test::TempDir boot;
    REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "a")}));
    // A run that died before its swap left a half-written loader.2 and its temp link.
    fs::mkdir_p_at(boot.fd(), "loader.2/entries");
    fs::write_file_atomic(boot.fd(), "loader.2/entries/junk.conf", "garbage");
    REQUIRE(::symlinkat("loader.2", boot.fd(), "loader.tmp") == 0);
    fs::mkdir_p_at(boot.fd(), "loader.7");
    CHECK(boot::read_boot_entries(boot.fd()).size() == 1);

    REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "b"), entry_for("myos", "a")}));
    CHECK(loader_target(boot) == "loader.2");
    CHECK_FALSE(fs::exists_at(boot.fd(), "loader.2/entries/junk.conf"));
    CHECK(boot::read_boot_entries(boot.fd()).size() == 2);

    boot::remove_stale_loaders(boot.fd());
    CHECK(fs::list_dir(boot.fd()) == std::vector<std::string>{"grub", "loader", "loader.2"});
}

TEST_CASE("a crash at the swap leaves the old or the new config, never a mix", "[bootloader]") {
    for (const char* point : {"boot-before-swap", "boot-after-swap"}) {
        test::TempDir boot;
        REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "a")}));
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::setenv("DEPLOYD_FAULT_KILL_AT", point, 1);
            try {
                boot::write_boot_entries(boot.fd(), {entry_for("myos", "b")});
            } catch (...) {
            }
            ::_exit(0);
        }
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGKILL);

        bool swapped = std::string(point) == "boot-after-swap";
        CHECK(loader_target(boot) == (swapped ? "loader.2" : "loader.1"));
        auto live = boot::read_boot_entries(boot.fd());
        REQUIRE(live.size() == 1);
        CHECK(live[0].version == (swapped ? "b" : "a"));

        // The next run recovers either way.
        REQUIRE(boot::write_boot_entries(boot.fd(), {entry_for("myos", "c")}));
        boot::remove_stale_loaders(boot.fd());
        CHECK(boot::read_boot_entries(boot.fd())[0].version == "c");
        CHECK(fs::list_dir(boot.fd()).size() == 3);  // grub, loader, loader.N
    }
}

TEST_CASE("a boot/loader that is not our symlink is reported", "[bootloader]") {
    test::TempDir boot;
    fs::mkdir_p_at(boot.fd(), "loader/entries");
    CHECK_THROWS_AS(boot::current_loader_version(boot.fd()), InvalidError);
    CHECK_THROWS_AS(boot::write_boot_entries(boot.fd(), {entry_for("myos", "a")}), InvalidError);
}
