// gpgcheck: the gpgkey= list and every refusal that needs no signed package (those are covered,
// with keys generated at test time, by tests/cli/layering_gpg.sh).
#include <unistd.h>

#include <catch2/catch.hpp>

#include "deploy/error.hpp"
#include "deploy/layering/signature.hpp"
#include "temp_dir.hpp"

using namespace deploy::layering;
using deploy::ErrorKind;
using deploy::SignatureError;

namespace {

ResolvedPackage package_from(const std::string& repo) {
    ResolvedPackage p;
    p.name = "bar";
    p.nevra = "bar-1.0-1.noarch";
    p.path = "/nonexistent/bar-1.0-1.noarch.rpm";
    p.repo = repo;
    return p;
}

RepoSource signed_repo(const std::string& gpgkey) {
    RepoSource r;
    r.name = "signed";
    r.baseurl = "file:///srv/signed";
    r.gpgcheck = true;
    r.gpgkey = gpgkey;
    return r;
}

void write(const std::string& path, const std::string& text) {
    deploy::UniqueFd dir = deploy::fs::open_dir("/");
    deploy::fs::write_file_atomic(dir.get(), path.substr(1), text, 0644, false);
}

// The message of the SignatureError verify_package_signatures throws for one package of repo.
std::string refusal(const RepoSource& repo, const std::string& root) {
    deploy::Progress progress;
    try {
        verify_package_signatures({package_from(repo.name)}, {repo}, root, progress);
    } catch (const SignatureError& e) {
        CHECK(e.kind() == ErrorKind::Signature);
        return e.what();
    }
    FAIL("no SignatureError");
    return "";
}

}  // namespace

TEST_CASE("gpgkey: URLs separated by whitespace and/or commas", "[layering][signature]") {
    CHECK(split_gpgkey_urls("") == std::vector<std::string>{});
    CHECK(split_gpgkey_urls(" ,\t") == std::vector<std::string>{});
    CHECK(split_gpgkey_urls("file:///a") == std::vector<std::string>{"file:///a"});
    CHECK(split_gpgkey_urls("file:///a, https://h/b\n\tfile:///c,file:///d") ==
          std::vector<std::string>{"file:///a", "https://h/b", "file:///c", "file:///d"});
}

TEST_CASE("gpgcheck: local files and gpgcheck=0 repos are not checked", "[layering][signature]") {
    deploy::Progress progress;
    RepoSource plain = signed_repo("");
    plain.name = "plain";
    plain.gpgcheck = false;
    // The package files do not exist: nothing may even try to read them.
    CHECK_NOTHROW(verify_package_signatures({package_from("@local"), package_from("plain")},
                                            {plain}, "/nonexistent", progress));
}

TEST_CASE("gpgcheck: refusals name the package and the repo", "[layering][signature]") {
    deploy::test::TempDir root;
    deploy::fs::mkdir_p_at(root.fd(), "etc/pki/rpm-gpg");
    const std::string named = "package bar-1.0-1.noarch from repo 'signed'";

    SECTION("gpgcheck=1 without gpgkey") {
        auto why = refusal(signed_repo(""), root.path());
        CHECK_THAT(why, Catch::Contains(named) && Catch::Contains("gpgcheck=1 but no gpgkey"));
    }
    SECTION("a missing key file") {
        auto why = refusal(signed_repo("file:///etc/pki/rpm-gpg/KEY"), root.path());
        CHECK_THAT(why, Catch::Contains(named) &&
                            Catch::Contains("cannot open /etc/pki/rpm-gpg/KEY") &&
                            Catch::Contains("No such file or directory"));
    }
    SECTION("a key file that is not a key") {
        write(root / "etc/pki/rpm-gpg/KEY", "127.0.0.1 localhost\n");
        auto why = refusal(signed_repo("file:///etc/pki/rpm-gpg/KEY"), root.path());
        CHECK_THAT(why, Catch::Contains(named) &&
                            Catch::Contains("file:///etc/pki/rpm-gpg/KEY is not an OpenPGP"));
    }
    SECTION("a malformed armored key") {
        write(root / "etc/pki/rpm-gpg/KEY",
              "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 !!\n"
              "-----END PGP PUBLIC KEY BLOCK-----\n");
        auto why = refusal(signed_repo("file:///etc/pki/rpm-gpg/KEY"), root.path());
        CHECK_THAT(why, Catch::Contains(named) && Catch::Contains("malformed armored"));
    }
    SECTION("a key that is a directory") {
        auto why = refusal(signed_repo("file:///etc/pki/rpm-gpg"), root.path());
        CHECK_THAT(why, Catch::Contains("is not a regular file"));
    }
    SECTION("symlinks resolve inside the tree, never out of it") {
        deploy::test::TempDir outside;
        write(outside / "KEY", "outside the tree\n");
        REQUIRE(::symlink((outside / "KEY").c_str(), (root / "etc/pki/rpm-gpg/abs").c_str()) == 0);
        REQUIRE(::symlink(("../../../../../../../../../.." + outside / "KEY").c_str(),
                          (root / "etc/pki/rpm-gpg/rel").c_str()) == 0);
        for (const char* link : {"abs", "rel"}) {
            auto why =
                refusal(signed_repo(std::string("file:///etc/pki/rpm-gpg/") + link), root.path());
            CHECK_THAT(why, Catch::Contains("No such file or directory"));
        }
    }
    SECTION("a relative or unsupported key URL") {
        CHECK_THAT(refusal(signed_repo("file://etc/key"), root.path()),
                   Catch::Contains("is not a file:///absolute/path URL"));
        CHECK_THAT(refusal(signed_repo("ftp://h/key"), root.path()),
                   Catch::Contains("unsupported gpgkey URL 'ftp://h/key'"));
    }
    SECTION("a package of a repo that is not configured") {
        deploy::Progress progress;
        CHECK_THROWS_AS(
            verify_package_signatures({package_from("gone")}, {}, root.path(), progress),
            SignatureError);
    }
}

TEST_CASE("gpgcheck: the error kind has a stable name", "[layering][signature]") {
    CHECK(std::string(deploy::error_kind_name(ErrorKind::Signature)) == "Signature");
}
