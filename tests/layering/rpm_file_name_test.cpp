// A local package's NAME/VERSION/RELEASE/ARCH name a file in local-rpms/; rpmbuild refuses '/' and
// '..' but a crafted header says what it likes, so the header values are checked as file-name
// parts (header-level: the values as librpm hands them over).
#include <catch2/catch.hpp>

#include <string>

#include "deploy/error.hpp"
#include "error_of.hpp"
#include "rpm_file_name.hpp"

using namespace deploy;
using namespace deploy::layering;
using Catch::Matchers::Contains;

TEST_CASE("rpm file names from header values", "[layering]") {
    CHECK(rpm_file_name("localtool", "2.0", "1", "noarch", "x.rpm") ==
          "localtool-2.0-1.noarch.rpm");
    CHECK(rpm_file_name("python3-foo_bar+x", "1.2~rc1^git", "3.fc39", "x86_64", "x.rpm") ==
          "python3-foo_bar+x-1.2~rc1^git-3.fc39.x86_64.rpm");
}

TEST_CASE("hostile header values are refused naming the package and the field", "[layering]") {
    struct Case {
        std::string name, version, release, arch, field;
    };
    auto c = GENERATE(
        Case{"../../etc/cron.d/x", "1", "1", "noarch", "name"},
        Case{"a/b", "1", "1", "noarch", "name"}, Case{"..", "1", "1", "noarch", "name"},
        Case{"ok", "1/../..", "1", "noarch", "version"},
        Case{"ok", "1..2", "1", "noarch", "version"}, Case{"ok", "1", "../x", "noarch", "release"},
        Case{"ok", "1", "1", "noarch/..", "arch"},
        Case{"ok", "1-2", "1", "noarch", "version"},  // would shift the name
        Case{"", "1", "1", "noarch", "name"}, Case{".hidden", "1", "1", "noarch", "name"},
        Case{"-rf", "1", "1", "noarch", "name"}, Case{"a\nb", "1", "1", "noarch", "name"},
        Case{"a\x7f", "1", "1", "noarch", "name"},
        Case{std::string("a\0b", 3), "1", "1", "noarch", "name"},
        Case{std::string(129, 'n'), "1", "1", "noarch", "name"});
    INFO(c.field << " '" << c.name << "' '" << c.version << "' '" << c.release << "' '" << c.arch
                 << "'");
    try {
        rpm_file_name(c.name, c.version, c.release, c.arch, "/tmp/evil.rpm");
        FAIL("accepted");
    } catch (const InvalidError& e) {
        std::string message = e.what();
        CHECK_THAT(message, Contains("/tmp/evil.rpm: package " + c.field));
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("the whole file name must fit in NAME_MAX", "[layering]") {
    std::string part(100, 'a');
    CHECK_THAT(error_of<InvalidError>([&] { rpm_file_name(part, part, part, "noarch", "p.rpm"); }),
               Contains("too long"));
}

TEST_CASE("stored names read back from an origin are checked the same way", "[layering]") {
    CHECK(is_valid_rpm_file_name("localtool-2.0-1.noarch.rpm"));
    CHECK(is_valid_rpm_file_name("base-files-0.9-1.noarch.rpm"));
    CHECK_FALSE(is_valid_rpm_file_name("../../x-1-1.noarch.rpm"));
    CHECK_FALSE(is_valid_rpm_file_name("x-1-1.noarch"));
    CHECK_FALSE(is_valid_rpm_file_name("x-1.noarch.rpm"));
    CHECK_FALSE(is_valid_rpm_file_name("-1-1.noarch.rpm"));
    CHECK_FALSE(is_valid_rpm_file_name("x-1-1..rpm"));
}
