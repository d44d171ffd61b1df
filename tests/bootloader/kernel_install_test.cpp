#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "deploy/bootloader/kernel_install.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/sha256.hpp"
#include "scoped_env.hpp"
#include "temp_dir.hpp"

using namespace deploy;

namespace {

// A deployment tree with one kernel (and optionally an initramfs) under usr/lib/modules.
void add_kernel(int tree_fd, const std::string& kver, const std::string& vmlinuz,
                const std::optional<std::string>& initramfs) {
    std::string dir = "usr/lib/modules/" + kver;
    fs::mkdir_p_at(tree_fd, dir);
    fs::write_file_atomic(tree_fd, dir + "/vmlinuz", vmlinuz, 0644, false);
    if (initramfs)
        fs::write_file_atomic(tree_fd, dir + "/initramfs.img", *initramfs, 0644, false);
}

}  // namespace

TEST_CASE("find_kernel locates the kernel and checksums it", "[bootloader]") {
    test::TempDir tree;
    add_kernel(tree.fd(), "6.1.0-13-amd64", "KERNEL", std::string("INITRD"));
    fs::mkdir_p_at(tree.fd(), "usr/lib/modules/6.1.0-13-amd64/kernel/drivers");
    fs::mkdir_p_at(tree.fd(), "usr/lib/modules/extra-no-kernel");

    auto k = boot::find_kernel(tree.fd());
    CHECK(k.kver == "6.1.0-13-amd64");
    CHECK(k.vmlinuz == "usr/lib/modules/6.1.0-13-amd64/vmlinuz");
    CHECK(k.initramfs == "usr/lib/modules/6.1.0-13-amd64/initramfs.img");
    CHECK(k.total_size == 12);
    // The key is a manifest of version, names, sizes and hashes, not the bare content.
    CHECK(k.boot_checksum == Sha256::hex_of("deployd boot files v2\nkver 6.1.0-13-amd64\n"
                                            "file vmlinuz-6.1.0-13-amd64 6 " +
                                            Sha256::hex_of("KERNEL") +
                                            "\n"
                                            "file initramfs-6.1.0-13-amd64.img 6 " +
                                            Sha256::hex_of("INITRD") + "\n"));
    REQUIRE(k.files.size() == 2);
    CHECK(k.files[1].name == "initramfs-6.1.0-13-amd64.img");
    CHECK(k.files[1].size == 6);

    test::TempDir bare;
    add_kernel(bare.fd(), "6.2", "KERNEL", std::nullopt);
    auto b = boot::find_kernel(bare.fd());
    CHECK(b.initramfs.empty());
    CHECK(b.files.size() == 1);
    CHECK(is_valid_checksum(b.boot_checksum));
}

TEST_CASE("find_kernel refuses kernel versions unsafe on a boot command line", "[bootloader]") {
    for (const char* kver : {"6.1;reboot", "6.1 0 quiet", "6.1'$(reboot)'", "6.1\nlinux", "-6.1",
                             ".6.1", "6.1\"x", "6.1#x", "6.1{x}"}) {
        INFO(kver);
        test::TempDir tree;
        add_kernel(tree.fd(), kver, "KERNEL", std::nullopt);
        CHECK_THROWS_WITH(boot::find_kernel(tree.fd()),
                          Catch::StartsWith("invalid kernel version '") &&
                              Catch::Contains("use letters, digits and . _ + ~ -"));
    }
    for (const char* kver : {"6.1.0-13-amd64", "5.14.0-362.8.1.el9_3.x86_64", "6.1+rt~1"}) {
        test::TempDir tree;
        add_kernel(tree.fd(), kver, "KERNEL", std::nullopt);
        CHECK(boot::find_kernel(tree.fd()).kver == kver);
    }
}

TEST_CASE("kernel dirs are keyed on version and each file, not the concatenation", "[bootloader]") {
    auto key = [](const std::string& kver, const std::string& vmlinuz,
                  const std::optional<std::string>& initramfs) {
        test::TempDir tree;
        add_kernel(tree.fd(), kver, vmlinuz, initramfs);
        return boot::find_kernel(tree.fd()).boot_checksum;
    };
    // Same bytes, new version: the entry would name vmlinuz-6.1.1 in a dir holding vmlinuz-6.1.0.
    CHECK(key("6.1.0", "K", std::string("I")) != key("6.1.1", "K", std::string("I")));
    // Same concatenation, split differently: the entry would boot the wrong kernel.
    CHECK(key("6.1", "AB", std::string("C")) != key("6.1", "A", std::string("BC")));
    CHECK(key("6.1", "KI", std::nullopt) != key("6.1", "K", std::string("I")));
    CHECK(key("6.1", "K", std::string("")) != key("6.1", "K", std::nullopt));
    CHECK(key("6.1", "K", std::string("I")) == key("6.1", "K", std::string("I")));
}

TEST_CASE("install_kernel verifies a reused dir and replaces a wrong one", "[bootloader]") {
    test::TempDir root;
    fs::mkdir_p_at(root.fd(), "tree");
    fs::mkdir_p_at(root.fd(), "boot");
    UniqueFd tree = fs::open_dir(root.fd(), "tree");
    UniqueFd boot = fs::open_dir(root.fd(), "boot");
    add_kernel(tree.get(), "6.1", "KERNEL", std::string("INITRD"));
    auto k = boot::find_kernel(tree.get());
    const std::string dir = "myos/" + k.boot_checksum;
    auto expect_good = [&] {
        auto placed = boot::install_kernel(boot.get(), "myos", tree.get(), k);
        CHECK(fs::list_dir(fs::open_dir(boot.get(), dir).get()) ==
              std::vector<std::string>{"initramfs-6.1.img", "vmlinuz-6.1"});
        CHECK(fs::read_file_at(boot.get(), placed.linux_path.substr(1)) == "KERNEL");
        CHECK(fs::read_file_at(boot.get(), placed.initrd_path.substr(1)) == "INITRD");
        CHECK(fs::list_dir(fs::open_dir(boot.get(), "myos").get()) ==
              std::vector<std::string>{k.boot_checksum});
    };
    expect_good();
    struct stat first = fs::lstat_at(boot.get(), dir);
    expect_good();  // intact: reused as is
    CHECK(fs::lstat_at(boot.get(), dir).st_ino == first.st_ino);

    SECTION("changed content of the same size") {
        ::unlinkat(boot.get(), (dir + "/vmlinuz-6.1").c_str(), 0);
        fs::write_file_atomic(boot.get(), dir + "/vmlinuz-6.1", "KERNEX", 0644, false);
        expect_good();
    }
    SECTION("a missing file") {
        ::unlinkat(boot.get(), (dir + "/initramfs-6.1.img").c_str(), 0);
        expect_good();
    }
    SECTION("another version's file names") {
        ::renameat(boot.get(), (dir + "/vmlinuz-6.1").c_str(), boot.get(),
                   (dir + "/vmlinuz-6.0").c_str());
        expect_good();
    }
    SECTION("an extra file") {
        fs::write_file_atomic(boot.get(), dir + "/extra", "x", 0644, false);
        expect_good();
    }
    SECTION("a symlink in place of a file") {
        ::unlinkat(boot.get(), (dir + "/vmlinuz-6.1").c_str(), 0);
        REQUIRE(::symlinkat("initramfs-6.1.img", boot.get(), (dir + "/vmlinuz-6.1").c_str()) == 0);
        expect_good();
    }
}

TEST_CASE("find_kernel refuses trees with no kernel or several", "[bootloader]") {
    test::TempDir tree;
    CHECK_THROWS_WITH(boot::find_kernel(tree.fd()),
                      "tree has no kernel: expected usr/lib/modules/<kver>/vmlinuz");
    fs::mkdir_p_at(tree.fd(), "usr/lib/modules/6.1");
    CHECK_THROWS_AS(boot::find_kernel(tree.fd()), InvalidError);

    add_kernel(tree.fd(), "6.1", "A", std::nullopt);
    add_kernel(tree.fd(), "6.2", "B", std::nullopt);
    CHECK_THROWS_WITH(boot::find_kernel(tree.fd()), "several kernels found: 6.1, 6.2");
}

TEST_CASE("find_kernel does not follow symlinks out of the tree", "[bootloader]") {
    test::TempDir tree;
    fs::mkdir_p_at(tree.fd(), "usr/lib/modules/6.1");
    REQUIRE(::symlinkat("/etc/passwd", tree.fd(), "usr/lib/modules/6.1/vmlinuz") == 0);
    CHECK_THROWS_WITH(boot::find_kernel(tree.fd()), Catch::Contains("not a regular file"));

    test::TempDir linked;
    fs::mkdir_p_at(linked.fd(), "usr/lib");
    REQUIRE(::symlinkat(tree.path().c_str(), linked.fd(), "usr/lib/modules") == 0);
    CHECK_THROWS_AS(boot::find_kernel(linked.fd()), InvalidError);
}

TEST_CASE("install_kernel hardlinks into a dir shared by checksum", "[bootloader]") {
    test::TempDir root;
    fs::mkdir_p_at(root.fd(), "tree1");
    fs::mkdir_p_at(root.fd(), "tree2");
    fs::mkdir_p_at(root.fd(), "boot");
    UniqueFd tree1 = fs::open_dir(root.fd(), "tree1");
    UniqueFd tree2 = fs::open_dir(root.fd(), "tree2");
    UniqueFd boot = fs::open_dir(root.fd(), "boot");
    add_kernel(tree1.get(), "6.1", "KERNEL", std::string("INITRD"));
    add_kernel(tree2.get(), "6.1", "KERNEL", std::string("INITRD"));

    auto k1 = boot::find_kernel(tree1.get());
    auto placed = boot::install_kernel(boot.get(), "myos", tree1.get(), k1);
    const std::string dir = "/myos/" + k1.boot_checksum + "/";
    CHECK(placed.linux_path == dir + "vmlinuz-6.1");
    CHECK(placed.initrd_path == dir + "initramfs-6.1.img");
    CHECK(fs::read_file_at(boot.get(), placed.linux_path.substr(1)) == "KERNEL");
    CHECK(fs::read_file_at(boot.get(), placed.initrd_path.substr(1)) == "INITRD");
    struct stat in_tree = fs::lstat_at(tree1.get(), k1.vmlinuz);
    struct stat on_boot = fs::lstat_at(boot.get(), placed.linux_path.substr(1));
    CHECK(in_tree.st_ino == on_boot.st_ino);  // same filesystem: hardlinked, not copied
    CHECK(fs::list_dir(fs::open_dir(boot.get(), "myos").get()) ==
          std::vector<std::string>{k1.boot_checksum});

    // A second deployment with the same kernel reuses the directory (and its inode).
    auto k2 = boot::find_kernel(tree2.get());
    REQUIRE(k2.boot_checksum == k1.boot_checksum);
    auto placed2 = boot::install_kernel(boot.get(), "myos", tree2.get(), k2);
    CHECK(placed2.linux_path == placed.linux_path);
    CHECK(fs::lstat_at(boot.get(), placed2.linux_path.substr(1)).st_ino == in_tree.st_ino);

    // A different kernel gets its own directory; unreferenced ones go on cleanup.
    fs::write_file_atomic(tree2.get(), k2.vmlinuz, "KERNEL2", 0644, false);
    auto k3 = boot::find_kernel(tree2.get());
    auto placed3 = boot::install_kernel(boot.get(), "myos", tree2.get(), k3);
    CHECK(placed3.linux_path != placed.linux_path);
    CHECK(placed3.initrd_path.find(k3.boot_checksum) != std::string::npos);

    fs::mkdir_p_at(boot.get(), "myos/.tmp-" + k1.boot_checksum + "-999");
    fs::mkdir_p_at(boot.get(), "grub/fonts");
    boot::remove_unused_kernels(boot.get(), {placed3.linux_path, placed3.initrd_path});
    CHECK(fs::list_dir(fs::open_dir(boot.get(), "myos").get()) ==
          std::vector<std::string>{k3.boot_checksum});
    CHECK(fs::exists_at(boot.get(), "grub/fonts"));
}

TEST_CASE("not enough space on /boot refuses and leaves nothing behind", "[bootloader]") {
    test::TempDir root;
    fs::mkdir_p_at(root.fd(), "tree");
    fs::mkdir_p_at(root.fd(), "boot");
    UniqueFd tree = fs::open_dir(root.fd(), "tree");
    UniqueFd boot = fs::open_dir(root.fd(), "boot");
    add_kernel(tree.get(), "6.1", std::string(3 * 1024 * 1024, 'k'), std::nullopt);
    auto k = boot::find_kernel(tree.get());

    {
        ScopedEnv env("DEPLOYD_TEST_BOOT_FREE_BYTES", std::to_string(1024 * 1024));
        CHECK_THROWS_AS(boot::install_kernel(boot.get(), "myos", tree.get(), k), NoSpaceError);
        CHECK_THROWS_WITH(boot::install_kernel(boot.get(), "myos", tree.get(), k),
                          "not enough space on /boot: need 4.0 MiB, 1.0 MiB free");
        CHECK(fs::list_dir(boot.get()).empty());
        CHECK_NOTHROW(boot::check_boot_space(boot.get(), 0));
    }
    {
        ScopedEnv env("DEPLOYD_TEST_BOOT_FREE_BYTES", "0");
        CHECK_THROWS_WITH(boot::check_boot_space(boot.get(), 10),
                          Catch::Contains("need 1.0 MiB, 0 bytes free"));
    }
    // Without the seam the real filesystem's figure is used.
    CHECK_NOTHROW(boot::check_boot_space(boot.get(), 1));
    CHECK_THROWS_AS(boot::check_boot_space(boot.get(), uint64_t(1) << 62), NoSpaceError);
}
