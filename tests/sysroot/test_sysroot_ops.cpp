// Operations on a real temporary sysroot: deploy + retention with pins, rollback, leftovers.
#include <sys/stat.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "deploy/error.hpp"
#include "deploy/repo/commit_builder.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deploy/util/fs.hpp"
#include "leftovers.hpp"
#include "temp_dir.hpp"

using namespace deploy;
using namespace deploy::sysroot;

namespace {

struct Fixture {
    test::TempDir tmp;
    Progress progress;
    std::string cmdline = tmp / "cmdline";

    Fixture() {
        fs::write_file_atomic(tmp.fd(), "cmdline", "quiet\n");
        Sysroot::init(tmp / "sysroot", "testos");
    }

    Sysroot open() { return Sysroot::open({tmp / "sysroot", cmdline}); }

    std::string commit(const std::string& version) {
        fs::remove_tree_at(tmp.fd(), "tree");
        fs::mkdir_p_at(tmp.fd(), "tree/usr/lib/modules/6.1.0");
        fs::mkdir_p_at(tmp.fd(), "tree/etc");
        fs::mkdir_p_at(tmp.fd(), "tree/var/lib");
        fs::write_file_atomic(tmp.fd(), "tree/usr/lib/modules/6.1.0/vmlinuz", "kernel " + version);
        fs::write_file_atomic(tmp.fd(), "tree/etc/motd", "hello " + version + "\n");
        fs::write_file_atomic(tmp.fd(), "tree/var/lib/seed", "seed\n");
        auto sysroot = open();
        repo::CommitOptions options;
        options.branch = "os/stable";
        options.version = version;
        return repo::commit_tree(sysroot.repo(), tmp.fd(), "tree", options, progress).commit;
    }

    void boot_into(const Deployment& d) {
        fs::write_file_atomic(tmp.fd(), "cmdline", "quiet deploy=" + d.boot_path() + "\n");
    }

    bool exists(const std::string& rel) { return fs::exists_at(tmp.fd(), "sysroot/" + rel); }

    std::vector<std::string> ids() {
        std::vector<std::string> out;
        for (const auto& d : open().deployments())
            out.push_back(d.id());
        return out;
    }
};

KargsEdit append(const std::string& arg) {
    KargsEdit e;
    e.append = {arg};
    return e;
}

}  // namespace

TEST_CASE("deploy, retention with booted and pinned, rollback", "[sysroot][retention]") {
    Fixture f;
    std::string c1 = f.commit("1.0");
    std::string first;
    {
        auto s = f.open();
        auto r = rebase(s, "os/stable", f.progress);
        first = r.deployment.id();
        CHECK(r.deployment.commit == c1);
        CHECK(r.removed_deployments.empty());
        CHECK(f.exists("deploy/testos/" + first + "/etc/motd"));
        CHECK(f.exists("deploy/testos/" + first + ".origin"));
        // /var defaults ship in the deployment for systemd-tmpfiles; the shared /var is empty.
        CHECK(f.exists("deploy/testos/" + first + "/usr/share/factory/var/lib/seed"));
        CHECK(f.exists("deploy/testos/" + first + "/usr/lib/tmpfiles.d/deployd-var.conf"));
        CHECK_FALSE(f.exists("deploy/testos/" + first + "/var/lib"));
        CHECK(f.exists("deploy/testos/var"));
        CHECK_FALSE(f.exists("deploy/testos/var/lib"));
    }
    REQUIRE(f.ids() == std::vector<std::string>{first});

    // Three kargs edits: each a new deployment; without a booted one the old default is kept.
    std::string a, b, c;
    {
        auto s = f.open();
        a = edit_kargs(s, append("a=1"), f.progress)->deployment.id();
    }
    CHECK(f.ids() == std::vector<std::string>{a, first});
    {
        auto s = f.open();
        auto r = edit_kargs(s, append("b=1"), f.progress);
        b = r->deployment.id();
        CHECK(r->removed_deployments == std::vector<std::string>{first});
    }
    CHECK(f.ids() == std::vector<std::string>{b, a});
    CHECK_FALSE(f.exists("deploy/testos/" + first));
    CHECK_FALSE(f.exists("deploy/testos/" + first + ".origin"));

    // Boot into a, pin b, and deploy twice more: a (booted) and b (pinned) survive.
    {
        auto s = f.open();
        f.boot_into(s.deployments()[1]);
        auto s2 = f.open();
        set_pinned(s2, 0, true);
        CHECK_THROWS_AS(set_pinned(s2, 5, true), NotFoundError);
    }
    {
        auto s = f.open();
        c = edit_kargs(s, append("c=1"), f.progress)->deployment.id();
    }
    CHECK(f.ids() == std::vector<std::string>{c, a, b});
    std::string d;
    {
        auto s = f.open();
        auto r = edit_kargs(s, append("d=1"), f.progress);
        d = r->deployment.id();
        CHECK(r->removed_deployments == std::vector<std::string>{c});
        // kargs edits stack on the default's arguments, booted or not.
        CHECK(r->deployment.kargs == std::vector<std::string>{"a=1", "b=1", "c=1", "d=1"});
    }
    CHECK(f.ids() == std::vector<std::string>{d, a, b});
    {
        auto s = f.open();
        auto list = s.deployments();
        CHECK(list[1].booted);
        CHECK(list[2].origin.pinned);
        // Pending update: rollback makes the booted one the default again.
        CHECK(rollback(s, f.progress).id() == a);
    }
    CHECK(f.ids() == std::vector<std::string>{a, d, b});
    {
        auto s = f.open();
        CHECK(rollback(s, f.progress).id() == d);  // booted default: back to the second
    }
    CHECK(f.ids() == std::vector<std::string>{d, a, b});

    // Unpinned, b goes with the next deployment.
    {
        auto s = f.open();
        set_pinned(s, 2, false);
        auto r = edit_kargs(s, append("e=1"), f.progress);
        CHECK(std::find(r->removed_deployments.begin(), r->removed_deployments.end(), b) !=
              r->removed_deployments.end());
    }
    CHECK_FALSE(f.exists("deploy/testos/" + b));
}

TEST_CASE("a pending kargs edit survives an upgrade made before the reboot", "[sysroot][kargs]") {
    Fixture f;
    f.commit("1.0");
    {
        auto s = f.open();
        f.boot_into(rebase(s, "os/stable", f.progress).deployment);
    }
    {
        auto s = f.open();
        edit_kargs(s, append("console=ttyS0"), f.progress);
    }
    std::string c2 = f.commit("2.0");
    auto s = f.open();
    auto r = upgrade(s, {}, f.progress);
    REQUIRE(r.outcome == UpgradeOutcome::Deployed);
    CHECK(r.deployed->deployment.commit == c2);
    CHECK(r.deployed->deployment.kargs == std::vector<std::string>{"console=ttyS0"});
    CHECK(s.deployments().front().kargs == std::vector<std::string>{"console=ttyS0"});
}

TEST_CASE("rollback with one deployment is refused", "[sysroot][rollback]") {
    Fixture f;
    f.commit("1.0");
    auto s = f.open();
    rebase(s, "os/stable", f.progress);
    CHECK_THROWS_AS(rollback(s, f.progress), NotFoundError);
}

TEST_CASE("unchanged kargs make no deployment", "[sysroot][kargs]") {
    Fixture f;
    f.commit("1.0");
    auto s = f.open();
    rebase(s, "os/stable", f.progress);
    CHECK(edit_kargs(s, append("x=1"), f.progress).has_value());
    CHECK_FALSE(edit_kargs(s, append("x=1"), f.progress).has_value());
    CHECK(s.deployments().size() == 2);
}

TEST_CASE("leftovers of interrupted runs are removed, live state kept", "[sysroot][leftovers]") {
    Fixture f;
    f.commit("1.0");
    std::string live;
    {
        auto s = f.open();
        live = rebase(s, "os/stable", f.progress).deployment.id();
    }
    const std::string fake = std::string(64, 'f') + ".0";
    auto sysroot_fd = fs::open_dir(f.tmp / "sysroot");
    fs::mkdir_p_at(sysroot_fd.get(), "deploy/testos/.staging-" + fake + "/usr");
    fs::mkdir_p_at(sysroot_fd.get(), "deploy/testos/" + fake + "/usr");
    fs::write_file_atomic(sysroot_fd.get(), "deploy/testos/" + fake + ".origin", "{}");
    fs::mkdir_p_at(sysroot_fd.get(), "boot/loader.77/entries");
    fs::mkdir_p_at(sysroot_fd.get(), "boot/testos/" + std::string(64, 'e'));
    fs::write_file_atomic(sysroot_fd.get(),
                          "boot/testos/" + std::string(64, 'e') + "/vmlinuz-6.1.0", "k");
    fs::write_file_atomic(sysroot_fd.get(), "repo/tmp/obj-999999999-1", "x");  // dead pid
    fs::mkdir_p_at(sysroot_fd.get(), "deploy/testos/var/lib");
    fs::write_file_atomic(sysroot_fd.get(), "deploy/testos/var/lib/seed", "admin\n");

    std::vector<std::string> removed;
    {
        auto s = f.open();
        removed = remove_leftovers(s);
    }
    auto has = [&](const std::string& p) {
        return std::find(removed.begin(), removed.end(), p) != removed.end();
    };
    CHECK(has("deploy/testos/.staging-" + fake));
    CHECK(has("deploy/testos/" + fake));
    CHECK(has("deploy/testos/" + fake + ".origin"));
    CHECK(has("repo/tmp/obj-999999999-1"));
    CHECK_FALSE(f.exists("deploy/testos/.staging-" + fake));
    CHECK_FALSE(f.exists("deploy/testos/" + fake));
    CHECK_FALSE(f.exists("deploy/testos/" + fake + ".origin"));
    CHECK_FALSE(f.exists("boot/loader.77"));
    CHECK_FALSE(f.exists("boot/testos/" + std::string(64, 'e')));
    CHECK_FALSE(f.exists("repo/tmp/obj-999999999-1"));

    // The live deployment, its origin, /var and the boot config stay.
    CHECK(f.exists("deploy/testos/" + live + "/etc/motd"));
    CHECK(f.exists("deploy/testos/" + live + ".origin"));
    CHECK(f.exists("deploy/testos/var/lib/seed"));
    CHECK(f.exists("boot/loader"));
    auto s = f.open();
    auto list = s.deployments();
    REQUIRE(list.size() == 1);
    CHECK(f.exists("boot" + list[0].linux_path));

    // Nothing left: a second pass removes nothing.
    CHECK(remove_leftovers(s).empty());
}
