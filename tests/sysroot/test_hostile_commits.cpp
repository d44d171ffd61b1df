// Hostile or unlucky commits: kernel arguments from commit metadata go through the same
// validation as the admin's, a refused one leaves the sysroot exactly as it was, and nothing is
// ever deleted while the live boot entries do not parse cleanly.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "deploy/error.hpp"
#include "deploy/repo/commit_builder.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/sha256.hpp"
#include "leftovers.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using namespace deploy::sysroot;
using nlohmann::json;

namespace {

struct Fixture {
    test::TempDir tmp;
    Progress progress;

    Fixture() {
        fs::write_file_atomic(tmp.fd(), "cmdline", "quiet\n");
        Sysroot::init(tmp / "sysroot", "testos");
    }

    Sysroot open() { return Sysroot::open({tmp / "sysroot", tmp / "cmdline"}); }

    std::string commit(const std::string& version, const json& metadata = json::object()) {
        fs::remove_tree_at(tmp.fd(), "tree");
        fs::mkdir_p_at(tmp.fd(), "tree/usr/lib/modules/6.1.0");
        fs::mkdir_p_at(tmp.fd(), "tree/etc");
        fs::write_file_atomic(tmp.fd(), "tree/usr/lib/modules/6.1.0/vmlinuz", "kernel " + version);
        fs::write_file_atomic(tmp.fd(), "tree/etc/motd", "hello " + version + "\n");
        auto sysroot = open();
        repo::CommitOptions options;
        options.branch = "os/stable";
        options.version = version;
        options.metadata = metadata;
        return repo::commit_tree(sysroot.repo(), tmp.fd(), "tree", options, progress).commit;
    }

    // Every name, type, size, link target and file content under deploy/ and boot/.
    std::string snapshot() {
        std::string out;
        walk("sysroot/deploy", out);
        walk("sysroot/boot", out);
        return Sha256::hex_of(out);
    }

    void walk(const std::string& rel, std::string& out) {
        struct stat st = fs::lstat_at(tmp.fd(), rel);
        out += rel + " " + std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + "\n";
        if (S_ISDIR(st.st_mode)) {
            UniqueFd dir = fs::open_dir(tmp.fd(), rel);
            for (const auto& name : fs::list_dir(dir.get()))
                walk(rel + "/" + name, out);
        } else if (S_ISREG(st.st_mode)) {
            out += fs::read_file_at(tmp.fd(), rel) + "\n";
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = ::readlinkat(tmp.fd(), rel.c_str(), target, sizeof(target));
            out += std::string(target, n > 0 ? static_cast<size_t>(n) : 0) + "\n";
        }
    }

    // The entry file inside the live loader.N (fs:: helpers do not follow the loader symlink).
    std::string live_entry(int position) {
        char target[256];
        ssize_t n = ::readlinkat(tmp.fd(), "sysroot/boot/loader", target, sizeof(target));
        REQUIRE(n > 0);
        return fmt::format("sysroot/boot/{}/entries/deployd-testos-{:02}.conf",
                           std::string(target, static_cast<size_t>(n)), position);
    }
};

}  // namespace

TEST_CASE("commit metadata kernel_args are validated like the admin's", "[sysroot][hostile]") {
    const std::vector<std::pair<json, std::string>> hostile = {
        {json::array({"deploy=/deploy/testos/" + std::string(64, 'a') + ".7"}),
         "'deploy' is managed by deployd"},
        {json::array({"quiet", "deploy"}), "'deploy' is managed by deployd"},
        {json::array({"x;reboot"}), "';' is not allowed"},
        {json::array({"a=$(reboot)"}), "'$' is not allowed"},
        {json::array({"6.1 0 quiet"}), "spaces are only allowed in the value"},
        {json::array({"a\nlinux /evil"}), "control characters"},
        {json::array({1}), "not an array of strings"},
        {json("quiet"), "not an array of strings"},
    };
    for (const auto& [args, why] : hostile) {
        INFO(args.dump());
        Fixture f;
        std::string c = f.commit("1.0", json{{"kernel_args", args}});
        std::string before = f.snapshot();
        auto s = f.open();
        CHECK_THROWS_WITH(
            rebase(s, "os/stable", f.progress),
            Catch::StartsWith("commit " + c + ": metadata kernel_args: ") && Catch::Contains(why));
        CHECK(f.snapshot() == before);
        CHECK(f.open().deployments().empty());
    }
}

TEST_CASE("valid commit kernel_args are stored canonical and quoted", "[sysroot][hostile]") {
    Fixture f;
    f.commit("1.0", json{{"kernel_args", {"quiet", "foo=a b", R"("bar=c d")", R"(k="v")"}}});
    auto s = f.open();
    auto r = rebase(s, "os/stable", f.progress);
    CHECK(r.deployment.kargs ==
          std::vector<std::string>{"quiet", R"(foo="a b")", R"(bar="c d")", "k=v"});
    auto listed = f.open().deployments();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].kargs == r.deployment.kargs);
    CHECK_THAT(fs::read_file_at(f.tmp.fd(), f.live_entry(1)),
               Catch::Contains(R"(options quiet foo="a b" bar="c d" k=v deploy=/deploy/testos/)"));
    CHECK_THAT(fs::read_file_at(f.tmp.fd(), "sysroot/boot/loader/grub.cfg"),
               Catch::Contains("quiet 'foo=a b' 'bar=c d' k=v deploy=/deploy/testos/"));

    // Deleted by value, given quoted or not.
    KargsEdit edit;
    edit.remove = {"foo=a b", R"(bar="c d")"};
    auto s2 = f.open();
    CHECK(edit_kargs(s2, edit, f.progress)->deployment.kargs ==
          std::vector<std::string>{"quiet", "k=v"});
}

TEST_CASE("a command line over 2048 bytes is refused before any work", "[sysroot][hostile]") {
    Fixture f;
    f.commit("1.0");
    {
        auto s = f.open();
        rebase(s, "os/stable", f.progress);
    }
    std::string before = f.snapshot();
    KargsEdit edit;
    for (int i = 0; i < 100; ++i)
        edit.append.push_back(fmt::format("option{:03}=value-of-it", i));
    auto s = f.open();
    CHECK_THROWS_WITH(edit_kargs(s, edit, f.progress),
                      Catch::Contains("more than the 2048 the kernel accepts"));
    CHECK(f.snapshot() == before);
}

TEST_CASE("nothing is deleted while the live boot entries do not parse cleanly",
          "[sysroot][hostile]") {
    Fixture f;
    f.commit("1.0");
    std::vector<std::string> ids;
    {
        auto s = f.open();
        ids.push_back(rebase(s, "os/stable", f.progress).deployment.id());
        KargsEdit edit;
        edit.append = {"quiet"};
        auto s2 = f.open();
        ids.insert(ids.begin(), edit_kargs(s2, edit, f.progress)->deployment.id());
    }
    // A stray deployment dir, which cleanup would normally remove as a leftover.
    fs::mkdir_p_at(f.tmp.fd(), "sysroot/deploy/testos/" + std::string(64, 'b') + ".0");

    const std::string entry = f.live_entry(1);
    const std::string good = fs::read_file_at(f.tmp.fd(), entry);
    SECTION("a second deploy= first on the line") {
        std::string bad = good;
        bad.replace(bad.find("options "), 8,
                    "options deploy=/deploy/testos/" + std::string(64, 'b') + ".0 ");
        ::unlink((f.tmp / entry).c_str());
        fs::write_file_atomic(f.tmp.fd(), entry, bad);
    }
    SECTION("an entry without options") {
        std::string bad = good.substr(0, good.find("options "));
        ::unlink((f.tmp / entry).c_str());
        fs::write_file_atomic(f.tmp.fd(), entry, bad);
    }
    SECTION("an entry without deploy=") {
        std::string bad = good.substr(0, good.find("deploy=")) + "\n";
        ::unlink((f.tmp / entry).c_str());
        fs::write_file_atomic(f.tmp.fd(), entry, bad);
    }
    std::string before = f.snapshot();
    CHECK_THROWS_WITH(f.open().deployments(), Catch::Contains("deployd-testos-01.conf"));
    auto s = f.open();
    CHECK(remove_leftovers(s).empty());
    CHECK_THROWS_AS(cleanup(s, f.progress), Error);
    auto s2 = f.open();
    KargsEdit edit;
    edit.append = {"splash"};
    CHECK_THROWS_AS(edit_kargs(s2, edit, f.progress), Error);
    CHECK(f.snapshot() == before);
    for (const auto& id : ids) {
        CHECK(fs::exists_at(f.tmp.fd(), "sysroot/deploy/testos/" + id + "/usr"));
        CHECK(fs::exists_at(f.tmp.fd(), "sysroot/deploy/testos/" + id + ".origin"));
    }
}
