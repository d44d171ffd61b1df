#include <catch2/catch.hpp>

#include <unistd.h>

#include "deploy/bootloader/kargs_d.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using Args = std::vector<std::string>;

TEST_CASE("kargs.d files: plain and JSON", "[bootloader][kargs]") {
    using boot::parse_kargs_file;
    CHECK(parse_kargs_file("console=ttyS0,115200n8 quiet\n# comment\n\n  rw\n", "a") ==
          Args{"console=ttyS0,115200n8", "quiet", "rw"});
    CHECK(parse_kargs_file(R"(["root=LABEL=root", "a=b c"])", "b") ==
          Args{"root=LABEL=root", R"(a="b c")"});  // canonical, like every karg
    CHECK(parse_kargs_file(R"({"kargs": ["x"]})", "c") == Args{"x"});
    CHECK(parse_kargs_file("", "d").empty());
    CHECK_THROWS_WITH(parse_kargs_file("[1, 2]", "usr/lib/kargs.d/e.kargs"),
                      "usr/lib/kargs.d/e.kargs: JSON kernel arguments must be strings");
    CHECK_THROWS_WITH(parse_kargs_file("[\"unterminated", "f"),
                      Catch::Contains("JSON must be an array of strings"));
    CHECK_THROWS_WITH(parse_kargs_file("deploy=/deploy/x/y", "g"),
                      Catch::Contains("managed by deployd"));
    CHECK_THROWS_WITH(parse_kargs_file(R"(["a\nb"])", "h"), Catch::Contains("line break"));
    CHECK_THROWS_WITH(parse_kargs_file("x;reboot", "i"),
                      Catch::StartsWith("i: invalid kernel argument") && Catch::Contains("';'"));
}

TEST_CASE("kargs.d of a tree: *.kargs in name order, duplicates once", "[bootloader][kargs]") {
    test::TempDir tree;
    CHECK(boot::read_kargs_d(tree.fd()).empty());
    fs::mkdir_p_at(tree.fd(), "usr/lib/kargs.d");
    UniqueFd dir = fs::open_dir(tree.fd(), "usr/lib/kargs.d");
    fs::write_file_atomic(dir.get(), "20-console.kargs", "console=ttyS0 quiet\n");
    fs::write_file_atomic(dir.get(), "10-root.kargs", R"(["root=LABEL=root", "quiet"])");
    fs::write_file_atomic(dir.get(), "README", "not=me\n");
    REQUIRE(::symlinkat("/etc/hostile", dir.get(), "30-link.kargs") == 0);
    CHECK(boot::read_kargs_d(tree.fd()) == Args{"root=LABEL=root", "quiet", "console=ttyS0"});
}

TEST_CASE("merging a tree's kargs change into inherited kargs", "[bootloader][kargs]") {
    using boot::merge_tree_kargs;
    // The tree drops quiet and adds splash; the admin's own arg stays.
    CHECK(merge_tree_kargs({"root=x", "quiet", "admin=1"}, {"root=x", "quiet"},
                           {"root=x", "splash"}) == Args{"root=x", "admin=1", "splash"});
    // The admin deleted console=; the tree still asks for it: it stays deleted.
    CHECK(merge_tree_kargs({"root=x"}, {"root=x", "console=tty0"}, {"root=x", "console=tty0"}) ==
          Args{"root=x"});
    // No change in the tree: nothing changes.
    CHECK(merge_tree_kargs({"b", "a"}, {"a"}, {"a"}) == Args{"b", "a"});
    CHECK(boot::append_unique({"a", "b"}, {"b", "c", "a"}) == Args{"a", "b", "c"});
}
