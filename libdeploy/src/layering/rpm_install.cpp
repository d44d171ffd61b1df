// One librpm transaction into a tree. The notify callback (a static trampoline into
// InstallContext) opens each package file when librpm asks for it.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "deploy/error.hpp"
#include "deploy/layering/rpm_install.hpp"
#include "deploy/util/fs.hpp"
#include "fetch.hpp"
#include "rpm_handles.hpp"
#include "rpm_session.hpp"

namespace deploy::layering {

namespace {

struct InstallContext {
    Progress& progress;
    std::map<std::string, FD_t> open_files;
    size_t total = 0;
    size_t done = 0;
};

void* notify_trampoline(const void* /*header*/, const rpmCallbackType what,
                        const rpm_loff_t /*amount*/, const rpm_loff_t /*total*/, fnpyKey key,
                        rpmCallbackData data) {
    auto* ctx = static_cast<InstallContext*>(data);
    const char* path = static_cast<const char*>(key);
    switch (what) {
        case RPMCALLBACK_INST_OPEN_FILE: {
            FD_t fd = Fopen(path, "r.ufdio");
            if (!fd || Ferror(fd)) {
                if (fd)
                    Fclose(fd);
                return nullptr;  // librpm reports the package as failed
            }
            ctx->open_files[path] = fd;
            return fd;
        }
        case RPMCALLBACK_INST_CLOSE_FILE:
            if (auto it = ctx->open_files.find(path); it != ctx->open_files.end()) {
                Fclose(it->second);
                ctx->open_files.erase(it);
            }
            ++ctx->done;
            if (ctx->total)
                ctx->progress.percent("install", static_cast<int>(100 * ctx->done / ctx->total));
            return nullptr;
        default:
            return nullptr;
    }
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : "; ") + s;
    return out;
}

// librpm takes the install time recorded in the rpmdb from SOURCE_DATE_EPOCH when it is set.
// Pinning it to the newest package's build time makes the same package set give the same rpmdb,
// so the same inputs give the same tree. Process-global, so only under the RpmSession lock.
class InstallTimeGuard {
  public:
    explicit InstallTimeGuard(uint64_t epoch) {
        if (const char* old = ::getenv("SOURCE_DATE_EPOCH"))
            old_ = old;
        had_old_ = ::getenv("SOURCE_DATE_EPOCH") != nullptr;
        ::setenv("SOURCE_DATE_EPOCH", std::to_string(epoch).c_str(), 1);
    }
    ~InstallTimeGuard() {
        if (had_old_)
            ::setenv("SOURCE_DATE_EPOCH", old_.c_str(), 1);
        else
            ::unsetenv("SOURCE_DATE_EPOCH");
    }
    InstallTimeGuard(const InstallTimeGuard&) = delete;
    InstallTimeGuard& operator=(const InstallTimeGuard&) = delete;

  private:
    std::string old_;
    bool had_old_ = false;
};

// The transaction proper; the Ts (and with it the database) is closed when this returns.
void run_transaction_in(const std::string& root, const std::vector<ResolvedPackage>& install,
                        const std::vector<ResolvedPackage>& erase, Progress& progress) {
    if (root.empty() || root.front() != '/')
        throw InvalidError(fmt::format("rpm root '{}' must be an absolute path", root));
    rpm::RpmSession session;
    // Headers are read first, with a Ts of their own, because the install time must be fixed
    // (InstallTimeGuard) before the installing Ts is created.
    std::vector<rpm::HeaderRef> headers;
    uint64_t newest_build = 0;
    {
        rpm::Ts reader;
        // Package files were checked against the repo's sha256 before we got here; signatures
        // are the gpgcheck feature, not done yet.
        rpmtsSetVSFlags(reader.get(), rpmtsVSFlags(reader.get()) | RPMVSF_MASK_NOSIGNATURES);
        for (const auto& pkg : install) {
            rpm::RpmFile file(pkg.path);
            if (!file.ok())
                throw_errno("cannot open", pkg.path);
            Header raw = nullptr;
            rpmRC rc = rpmReadPackageFile(reader.get(), file.get(), pkg.path.c_str(), &raw);
            auto h = rpm::HeaderRef::adopt(raw);
            if (rc != RPMRC_OK && rc != RPMRC_NOTTRUSTED && rc != RPMRC_NOKEY) {
                throw CorruptError(fmt::format("{}: not a valid rpm package: {}", pkg.path,
                                               session.log().errors()));
            }
            newest_build = std::max<uint64_t>(newest_build, h.num(RPMTAG_BUILDTIME));
            headers.push_back(std::move(h));
        }
    }
    InstallTimeGuard install_time(newest_build);
    rpm::Ts ts;
    // The root dir is set before the database is touched: every db path below is inside root.
    if (rpmtsSetRootDir(ts.get(), root.c_str()) != 0)
        throw InvalidError(fmt::format("rpm refuses root dir {}", root));
    bool fresh = !fs::exists_at(AT_FDCWD, root + rpm::kDbPath);
    if (fresh) {
        mkdir_p_absolute(root + rpm::kDbPath);
        if (rpmtsInitDB(ts.get(), 0644) != 0)
            throw Error(ErrorKind::Failed, fmt::format("cannot create the rpmdb in {}: {}", root,
                                                       session.log().errors()));
    }
    // Scriptlets would run as root on the host without the bubblewrap sandbox; until it exists
    // they are skipped, and so are plugins (they act on the running host).
    rpmtsSetFlags(ts.get(),
                  RPMTRANS_FLAG_NOSCRIPTS | RPMTRANS_FLAG_NOTRIGGERS | RPMTRANS_FLAG_NOPLUGINS);
    rpmtsSetVSFlags(ts.get(), rpmtsVSFlags(ts.get()) | RPMVSF_MASK_NOSIGNATURES);
    for (size_t i = 0; i < install.size(); ++i) {
        // The key is the path; it stays alive in `install` for the whole transaction.
        if (rpmtsAddInstallElement(ts.get(), headers[i].get(), install[i].path.c_str(), 1,
                                   nullptr) != 0) {
            throw Error(ErrorKind::Failed, fmt::format("rpm cannot add {}: {}", install[i].nevra,
                                                       session.log().errors()));
        }
    }
    for (const auto& pkg : erase) {
        rpm::DbIterator it(ts, RPMDBI_NAME, pkg.name.c_str(), 0);
        bool found = false;
        while (Header raw = it.next()) {
            auto h = rpm::HeaderRef::link(raw);
            if (pkg.nevra.empty() || h.nevra() == pkg.nevra ||
                h.str(RPMTAG_NAME) + "-" + h.as_string(RPMTAG_EVR) + "." + h.str(RPMTAG_ARCH) ==
                    pkg.nevra) {
                rpmtsAddEraseElement(ts.get(), h.get(), static_cast<int>(it.offset()));
                found = true;
            }
        }
        if (!found)
            throw NotFoundError(fmt::format("package {} is not installed in {}", pkg.nevra, root));
    }

    if (rpmtsCheck(ts.get()) != 0)
        throw Error(ErrorKind::Failed, "rpm dependency check failed: " + session.log().errors());
    if (auto problems = rpm::ProblemSet(ts).lines(); !problems.empty())
        throw ConflictError("rpm dependency check failed: " + join(problems));
    rpmtsOrder(ts.get());

    InstallContext ctx{progress, {}, install.size(), 0};
    rpmtsSetNotifyCallback(ts.get(), &notify_trampoline, &ctx);
    int rc = rpmtsRun(ts.get(), nullptr, RPMPROB_FILTER_DISKSPACE | RPMPROB_FILTER_DISKNODES);
    rpmtsSetNotifyCallback(ts.get(), nullptr, nullptr);
    for (auto& [path, fd] : ctx.open_files)
        Fclose(fd);
    if (rc != 0) {
        auto problems = rpm::ProblemSet(ts).lines();
        std::string why = join(problems);
        std::string log = session.log().errors();
        if (!log.empty())
            why += (why.empty() ? "" : "; ") + log;
        throw Error(ErrorKind::Failed, "rpm transaction failed: " + why);
    }
}

}  // namespace

void run_rpm_transaction(const std::string& root, const std::vector<ResolvedPackage>& install,
                         const std::vector<ResolvedPackage>& erase, Progress& progress) {
    ProgressTask task(progress, "install");
    rpm::DbLeftoverCleanup cleanup(root);
    run_transaction_in(root, install, erase, progress);
}

nlohmann::json installed_packages(const std::string& root) {
    nlohmann::json list = nlohmann::json::array();
    if (!fs::exists_at(AT_FDCWD, root + rpm::kDbPath))
        return list;
    rpm::RpmSession session;
    rpm::DbLeftoverCleanup cleanup(root);  // runs after the Ts below has closed the db
    rpm::Ts ts;
    rpmtsSetRootDir(ts.get(), root.c_str());
    std::vector<nlohmann::json> items;
    rpm::DbIterator it(ts, RPMDBI_PACKAGES);
    while (Header raw = it.next()) {
        auto h = rpm::HeaderRef::link(raw);
        if (h.str(RPMTAG_NAME) == "gpg-pubkey")
            continue;
        items.push_back({{"name", h.str(RPMTAG_NAME)},
                         {"nevra", h.nevra()},
                         {"sha256header", h.str(RPMTAG_SHA256HEADER)}});
    }
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a["nevra"] < b["nevra"]; });
    for (auto& i : items)
        list.push_back(std::move(i));
    return list;
}

}  // namespace deploy::layering
