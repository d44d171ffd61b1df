#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "local_rpm.hpp"
#include "temp_dir.hpp"

namespace {

void put32(std::string& out, uint32_t v) {
    out += char(v >> 24);
    out += char(v >> 16);
    out += char(v >> 8);
    out += char(v);
}

// A header (intro, index, data) of string tags, in rpm's layout.
std::string header(const std::map<uint32_t, std::string>& strings, std::string extra_data = "") {
    std::string index, data = std::move(extra_data);
    for (const auto& [tag, value] : strings) {
        put32(index, tag);
        put32(index, 6);  // RPM_STRING_TYPE
        put32(index, uint32_t(data.size()));
        put32(index, 1);
        data += value;
        data += '\0';
    }
    std::string out("\x8e\xad\xe8\x01\0\0\0\0", 8);
    put32(out, uint32_t(strings.size()));
    put32(out, uint32_t(data.size()));
    return out + index + data;
}

// lead + signature header (5 data bytes: padded by 3) + main header.
std::string rpm_bytes(const std::map<uint32_t, std::string>& tags, uint16_t type = 0) {
    std::string lead(96, '\0');
    lead[0] = char(0xed), lead[1] = char(0xab), lead[2] = char(0xee), lead[3] = char(0xdb);
    lead[4] = 3;
    lead[7] = char(type);
    std::string signature = header({{1000, "sign"}});
    std::string padding((8 - signature.size() % 8) % 8, '\0');
    return lead + signature + padding + header(tags) + "payload";
}

const std::map<uint32_t, std::string> kFoo = {
    {1000, "foo"}, {1001, "1.0"}, {1002, "1.fc40"}, {1022, "noarch"}};

deploy::UniqueFd memfd(const std::string& content) {
    deploy::UniqueFd fd(::memfd_create("rpm", MFD_CLOEXEC));
    REQUIRE(fd);
    REQUIRE(::write(fd.get(), content.data(), content.size()) == ssize_t(content.size()));
    return fd;
}

std::string invalid_message(const std::string& content) {
    auto fd = memfd(content);
    try {
        deployd::rpm_file_name(fd.get(), "local_packages[0]");
    } catch (const deploy::InvalidError& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("local packages are named from their RPM header", "[daemon][local_rpm]") {
    auto fd = memfd(rpm_bytes(kFoo));
    CHECK(deployd::rpm_file_name(fd.get(), "x") == "foo-1.0-1.fc40.noarch.rpm");

    CHECK(invalid_message("#!/bin/sh\necho not an rpm\n") ==
          "local_packages[0]: not an RPM package (no RPM lead magic)");
    CHECK(invalid_message("") == "local_packages[0]: not an RPM package (no RPM lead magic)");
    std::string whole = rpm_bytes(kFoo);
    for (size_t cut : {size_t(100), size_t(130), whole.size() - 20}) {
        CAPTURE(cut);
        CHECK(invalid_message(whole.substr(0, cut)).find("not an RPM package") !=
              std::string::npos);
    }
    CHECK(invalid_message(rpm_bytes(kFoo, 1)) ==
          "local_packages[0]: is a source package; binary packages only");
    auto no_arch = kFoo;
    no_arch.erase(1022);
    CHECK(invalid_message(rpm_bytes(no_arch)).find("no valid arch") != std::string::npos);
    auto slash = kFoo;
    slash[1000] = "../../etc/x";
    CHECK(invalid_message(rpm_bytes(slash)).find("has characters not allowed") !=
          std::string::npos);
    // An index entry pointing past the data store.
    std::string bad = rpm_bytes(kFoo);
    auto main = bad.find("\x8e\xad\xe8\x01", 100);
    bad[main + 16 + 8] = char(0x7f);
    CHECK(invalid_message(bad).find("no valid name") != std::string::npos);
}

TEST_CASE("local package descriptors are checked and copied privately", "[daemon][local_rpm]") {
    deploy::test::TempDir tmp;
    auto message = [](const std::vector<int>& fds) {
        try {
            deployd::accept_local_rpms(fds, "local_packages");
        } catch (const deploy::InvalidError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    auto good = memfd(rpm_bytes(kFoo));
    deploy::UniqueFd dir(::open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    CHECK(message({good.get(), dir.get()}) == "local_packages[1]: not a regular file");
    std::string path = tmp / "w.rpm";
    deploy::UniqueFd write_only(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    CHECK(message({write_only.get()}) == "local_packages[0]: not open for reading");
    deploy::UniqueFd o_path(::open(path.c_str(), O_PATH | O_CLOEXEC));
    CHECK(message({o_path.get()}) == "local_packages[0]: not open for reading");
    CHECK(message({-1}) == "local_packages[0]: not an open file descriptor");
    auto same = memfd(rpm_bytes(kFoo));
    CHECK(message({good.get(), same.get()}) ==
          "local_packages[1]: foo-1.0-1.fc40.noarch.rpm is also local_packages[0]");

    auto bar_tags = kFoo;
    bar_tags[1000] = "bar";
    auto bar = memfd(rpm_bytes(bar_tags));
    // The caller's file offset is not used (nor moved).
    ::lseek(good.get(), 7, SEEK_SET);
    auto accepted = deployd::accept_local_rpms({good.get(), bar.get()}, "local_packages");
    REQUIRE(accepted.size() == 2);
    CHECK(accepted[0].file_name == "foo-1.0-1.fc40.noarch.rpm");
    CHECK(accepted[0].identity != accepted[1].identity);
    CHECK((::fcntl(accepted[0].fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(::lseek(good.get(), 0, SEEK_CUR) == 7);

    ::setenv("TMPDIR", tmp.path().c_str(), 1);
    std::string copy_dir;
    {
        deployd::LocalRpmCopies copies(accepted);
        REQUIRE(copies.paths().size() == 2);
        CHECK(copies.paths()[0].rfind(tmp.path() + "/deployd-rpms-", 0) == 0);
        CHECK(copies.paths()[1].substr(copies.paths()[1].rfind('/')) ==
              "/bar-1.0-1.fc40.noarch.rpm");
        copy_dir = copies.paths()[0].substr(0, copies.paths()[0].rfind('/'));
        struct stat st;
        REQUIRE(::stat(copy_dir.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0700);
        CHECK(deploy::fs::read_file_at(AT_FDCWD, copies.paths()[0]) == rpm_bytes(kFoo));
    }
    CHECK(::access(copy_dir.c_str(), F_OK) != 0);

    // Content that changed into a non-package after the call was accepted: refused, cleaned up.
    REQUIRE(::ftruncate(bar.get(), 0) == 0);
    CHECK_THROWS_AS(deployd::LocalRpmCopies(accepted), deploy::InvalidError);
    CHECK(deploy::fs::list_dir(tmp.fd()).size() == 1);  // w.rpm only
    ::unsetenv("TMPDIR");
}
