// gpgcheck. rpmReadPackageFile checks the signatures and digests of a package's header, with
// two gaps closed here:
//  - it does not require a signature: an unsigned package reads as OK. So a package passes only
//    when librpm says OK *and* the header carries a header signature; with a keyring holding
//    only the repo's keys, OK then means "signed by one of them";
//  - it does not read the payload (librpm checks the payload digest only while installing). The
//    signed header carries the payload's digest, so the payload is hashed here and compared, and
//    nothing unverified reaches the install step.
#include "deploy/layering/signature.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "deploy/error.hpp"
#include "repo_keyring.hpp"
#include "rpm_crypto.hpp"
#include "rpm_handles.hpp"
#include "rpm_session.hpp"

namespace deploy::layering {

namespace {

// Header signatures, the ones rpmReadPackageFile verifies. Legacy header+payload signatures
// (SIGPGP/SIGGPG, alone only on packages signed before rpm 4.1) are skipped by it, so they do
// not count as signed.
constexpr rpmTagVal kSignatureTags[] = {RPMTAG_RSAHEADER, RPMTAG_DSAHEADER};

// The key id of the package's first signature; nullopt when it has none; "unknown" when the
// signature packet cannot be parsed (librpm has then already refused it).
std::optional<std::string> signer_key_id(const rpm::HeaderRef& h) {
    if (!h)
        return std::nullopt;
    for (rpmTagVal tag : kSignatureTags) {
        struct rpmtd_s td;
        if (!headerGet(h.get(), tag, &td, HEADERGET_MINMEM))
            continue;
        std::string id = "unknown";
        if (td.type == RPM_BIN_TYPE && td.count > 0) {
            rpm::PgpParams sig(static_cast<const uint8_t*>(td.data), td.count, PGPTAG_SIGNATURE);
            if (sig.ok())
                id = key_id_hex(pgpDigParamsSignID(sig.get()));
        }
        rpmtdFreeData(&td);
        return id;
    }
    return std::nullopt;
}

// Hashes the rest of `file` (read up to the payload by rpmReadPackageFile) and compares it with
// the payload digest the signed header carries.
void verify_payload_digest(const rpm::RpmFile& file, const rpm::HeaderRef& h,
                           const std::string& what) {
    auto digests = h.strings(RPMTAG_PAYLOADDIGEST);
    if (digests.empty() || digests.front().empty())
        throw SignatureError(fmt::format(
            "{} has no payload digest in its signed header (built by rpm < 4.14)", what));
    const std::string& expected = digests.front();
    auto algo = static_cast<int>(h.num(RPMTAG_PAYLOADDIGESTALGO));
    rpm::Digest digest(algo);
    if (!digest.ok())
        throw SignatureError(
            fmt::format("{}: unsupported payload digest algorithm {}", what, algo));
    char buf[1 << 16];
    for (;;) {
        ssize_t n = Fread(buf, 1, sizeof(buf), file.get());
        if (n < 0 || Ferror(file.get()))
            throw SignatureError(fmt::format("{}: cannot read the payload", what));
        if (n == 0)
            break;
        digest.update(buf, static_cast<size_t>(n));
    }
    if (digest.hex_final() != expected)
        throw SignatureError(fmt::format(
            "{} fails signature verification: the payload does not match the signed header "
            "(altered after signing?)",
            what));
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

// librpm's lines start with the package's (cache) path; the package is named already.
std::string rpm_lines(const std::vector<std::string>& lines, const std::string& path) {
    std::string out;
    for (std::string line : lines) {
        if (line.rfind(path + ": ", 0) == 0)
            line.erase(0, path.size() + 2);
        out += (out.empty() ? "" : "; ") + line;
    }
    return out;
}

void verify_package(const ResolvedPackage& pkg, const RepoSource& repo, const RepoKeyring& keys,
                    rpm::RpmSession& session, Progress& progress) {
    const std::string what = fmt::format("package {} from repo '{}'", pkg.nevra, repo.name);
    rpm::Ts reader;
    // Every digest and signature, whatever %_pkgverify_flags or __vsflags say.
    rpmtsSetVSFlags(reader.get(), RPMVSF_DEFAULT);
    // Our keyring: without it librpm would load the host's rpmdb keys.
    rpmtsSetKeyring(reader.get(), keys.keyring.get());
    rpm::RpmFile file(pkg.path);
    if (!file.ok())
        throw_errno("cannot open", pkg.path);
    rpm::RpmLogCapture log(session);
    Header raw = nullptr;
    rpmRC rc = rpmReadPackageFile(reader.get(), file.get(), pkg.path.c_str(), &raw);
    auto header = rpm::HeaderRef::adopt(raw);
    auto signer = signer_key_id(header);
    switch (rc) {
        case RPMRC_OK:
            break;
        case RPMRC_NOKEY:
            throw SignatureError(fmt::format(
                "{} is signed with key {}, which is not one of the repo's keys ({}; gpgkey={})",
                what, signer.value_or("unknown"), join(keys.key_ids), repo.gpgkey));
        case RPMRC_NOTTRUSTED:
            throw SignatureError(
                fmt::format("{} is signed with key {}, which is not trusted (expired or revoked)",
                            what, signer.value_or("unknown")));
        case RPMRC_NOTFOUND:
            throw SignatureError(fmt::format("{} is not an rpm package", what));
        default: {
            std::string why = rpm_lines(log.lines(), pkg.path);
            throw SignatureError(
                fmt::format("{} fails signature verification (altered after signing?){}", what,
                            why.empty() ? "" : ": " + why));
        }
    }
    if (!signer)
        throw SignatureError(fmt::format("{} is not signed, and the repo has gpgcheck=1", what));
    verify_payload_digest(file, header, what);
    progress.message(fmt::format("Verified signature of {} (key {})", pkg.nevra, *signer));
}

}  // namespace

std::vector<std::string> split_gpgkey_urls(const std::string& value) {
    std::vector<std::string> urls;
    std::string current;
    for (char c : value) {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!current.empty())
                urls.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty())
        urls.push_back(std::move(current));
    return urls;
}

void verify_package_signatures(const std::vector<ResolvedPackage>& packages,
                               const std::vector<RepoSource>& repos, const std::string& key_root,
                               Progress& progress) {
    std::optional<rpm::RpmSession> session;
    std::map<std::string, RepoKeyring> keyrings;  // loaded when a package first needs them
    for (const auto& pkg : packages) {
        // Files the admin named on the command line are trusted as given (like rpm-ostree).
        if (pkg.repo == "@local")
            continue;
        auto repo = std::find_if(repos.begin(), repos.end(),
                                 [&](const RepoSource& r) { return r.name == pkg.repo; });
        // Fail closed: a package whose repo we cannot see could not be checked.
        if (repo == repos.end())
            throw SignatureError(fmt::format(
                "package {} comes from repo '{}', which is not configured: cannot decide on "
                "gpgcheck",
                pkg.nevra, pkg.repo));
        if (!repo->gpgcheck)
            continue;
        check_cancel(progress);
        if (!session)
            session.emplace();
        auto keys = keyrings.find(repo->name);
        if (keys == keyrings.end()) {
            try {
                keys = keyrings.emplace(repo->name, load_repo_keyring(*repo, key_root, progress))
                           .first;
            } catch (const Error& e) {
                throw SignatureError(fmt::format("cannot check package {} from repo '{}': {}",
                                                 pkg.nevra, repo->name, e.what()));
            }
        }
        verify_package(pkg, *repo, keys->second, *session, progress);
    }
}

}  // namespace deploy::layering
