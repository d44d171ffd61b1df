// Folding an overlayfs upper layer into a hardlinked lower tree: whiteouts delete, opaque
// directories replace, new versions are renamed in (never written through a shared inode), and
// overlayfs' own xattrs do not survive. The upper layer is built by hand the way overlayfs writes
// it (a 0:0 character device is a whiteout), so no mount is needed; needs root (mknod, trusted.*).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "deploy/util/fs.hpp"
#include "overlay_apply.hpp"
#include "temp_dir.hpp"

using namespace deploy;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("overlay upper layer folds into a hardlinked lower tree", "[layering][overlay]") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root (whiteouts are device nodes, opaque markers trusted.* xattrs)");
        return;
    }
    test::TempDir tmp;
    const std::string store = tmp.path() + "/store";
    const std::string lower = tmp.path() + "/lower";
    const std::string upper = tmp.path() + "/upper";
    for (const auto& d :
         {store, lower, lower + "/a", lower + "/olddir", lower + "/olddir/sub", lower + "/was_dir",
          upper, upper + "/a", upper + "/olddir", upper + "/newdir"})
        REQUIRE(::mkdir(d.c_str(), 0755) == 0);
    // lower: a checkout whose files are the store's inodes.
    write(store + "/obj1", "old\n");
    REQUIRE(::link((store + "/obj1").c_str(), (lower + "/a/file1").c_str()) == 0);
    write(lower + "/a/keep", "keep\n");
    write(lower + "/gone", "x\n");
    write(lower + "/olddir/sub/f", "f\n");
    write(lower + "/olddir/kept-by-lower", "k\n");
    write(lower + "/was_dir/f", "f\n");
    // upper: what a transaction through the overlay left.
    write(upper + "/a/file1", "new\n");
    REQUIRE(::setxattr((upper + "/a/file1").c_str(), "trusted.overlay.origin", "x", 1, 0) == 0);
    REQUIRE(::setxattr((upper + "/a/file1").c_str(), "user.keep", "1", 1, 0) == 0);
    REQUIRE(::chmod((upper + "/a").c_str(), 0700) == 0);
    write(upper + "/a/newfile", "n\n");
    REQUIRE(::mknod((upper + "/gone").c_str(), S_IFCHR | 0000, makedev(0, 0)) == 0);
    REQUIRE(::setxattr((upper + "/olddir").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0);
    write(upper + "/olddir/fresh", "fresh\n");
    write(upper + "/was_dir", "now a file\n");
    write(upper + "/newdir/x", "x\n");
    REQUIRE(::symlink("a/keep", (upper + "/link").c_str()) == 0);

    UniqueFd upper_fd = fs::open_dir(upper);
    UniqueFd lower_fd = fs::open_dir(lower);
    auto stats = layering::apply_overlay_upper(upper_fd.get(), lower_fd.get());

    CHECK(read(lower + "/a/file1") == "new\n");
    CHECK(read(store + "/obj1") == "old\n");  // the stored object was not written through
    CHECK(read(lower + "/a/keep") == "keep\n");
    CHECK(read(lower + "/a/newfile") == "n\n");
    CHECK_FALSE(exists(lower + "/gone"));
    CHECK_FALSE(exists(lower + "/olddir/sub"));
    CHECK_FALSE(exists(lower + "/olddir/kept-by-lower"));  // hidden by the opaque directory
    CHECK(read(lower + "/olddir/fresh") == "fresh\n");
    CHECK(read(lower + "/was_dir") == "now a file\n");
    CHECK(read(lower + "/newdir/x") == "x\n");
    char target[64] = {};
    CHECK(::readlink((lower + "/link").c_str(), target, sizeof target - 1) > 0);
    CHECK(std::string(target) == "a/keep");

    struct stat st;
    REQUIRE(::stat((lower + "/a").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);  // directory metadata from the upper copy
    REQUIRE(::lstat((lower + "/a/file1").c_str(), &st) == 0);
    CHECK(st.st_mtime == 0);  // like every checkout file
    CHECK(::getxattr((lower + "/a/file1").c_str(), "trusted.overlay.origin", nullptr, 0) < 0);
    CHECK(::getxattr((lower + "/a/file1").c_str(), "user.keep", nullptr, 0) == 1);
    CHECK(::getxattr((lower + "/olddir").c_str(), "trusted.overlay.opaque", nullptr, 0) < 0);
    CHECK(stats.removed == 3);  // gone, olddir's lower contents, was_dir
}
