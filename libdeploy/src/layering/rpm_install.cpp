// Installing into a tree: the transaction runs in the sandbox (sandbox.cpp, rpm_transaction.cpp);
// this side prepares the directories and folds an overlay's changes back in.
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "deploy/error.hpp"
#include "deploy/layering/rpm_install.hpp"
#include "deploy/util/fs.hpp"
#include "overlay_apply.hpp"
#include "rpm_file_name.hpp"
#include "rpm_handles.hpp"
#include "rpm_session.hpp"
#include "sandbox.hpp"

namespace deploy::layering {

namespace {

TransactionRequest transaction_of(const std::string& root,
                                  const std::vector<ResolvedPackage>& install,
                                  const std::vector<ResolvedPackage>& erase) {
    TransactionRequest request;
    request.root = root;
    for (const auto& p : install)
        request.install.push_back({p.path, p.name, p.nevra});
    for (const auto& p : erase)
        request.erase.push_back({"", p.name, p.nevra});
    return request;
}

}  // namespace

void run_rpm_transaction(const std::string& work_dir, const std::string& root,
                         const std::vector<ResolvedPackage>& install,
                         const std::vector<ResolvedPackage>& erase, Progress& progress) {
    ProgressTask task(progress, "install");
    sandbox::HelperRequest request;
    request.transaction = transaction_of(root, install, erase);
    sandbox::run(work_dir, request, progress);
}

void run_rpm_transaction_on_overlay(const std::string& work_dir,
                                    const std::vector<ResolvedPackage>& install,
                                    const std::vector<ResolvedPackage>& erase, Progress& progress) {
    sandbox::HelperRequest request;
    sandbox::Overlay overlay;
    overlay.dir = work_dir;
    UniqueFd work = fs::open_dir(work_dir);
    for (const auto& dir : {overlay.upper, overlay.work, overlay.merged}) {
        fs::remove_tree_at(work.get(), dir);
        fs::mkdir_p_at(work.get(), dir, 0755);
    }
    request.transaction = transaction_of(work_dir + "/" + overlay.merged, install, erase);
    request.overlay = overlay;
    {
        ProgressTask task(progress, "install");
        sandbox::run(work_dir, request, progress);
    }
    // The sandbox (and with it the overlay mount) is gone: fold the changes into lower.
    UniqueFd upper = fs::open_dir(work.get(), overlay.upper);
    UniqueFd lower = fs::open_dir(work.get(), overlay.lower);
    auto stats = apply_overlay_upper(upper.get(), lower.get());
    spdlog::debug("overlay: {} entries new or replaced, {} removed", stats.replaced, stats.removed);
}

std::string rpm_file_nevra(const std::string& path) {
    rpm::RpmSession session;
    rpm::RpmFile file(path);
    if (!file.ok())
        throw_errno("cannot open", path);
    rpm::Ts reader;
    rpmtsSetVSFlags(reader.get(), rpmtsVSFlags(reader.get()) | RPMVSF_MASK_NOSIGNATURES);
    Header raw = nullptr;
    rpmRC rc = rpmReadPackageFile(reader.get(), file.get(), path.c_str(), &raw);
    auto h = rpm::HeaderRef::adopt(raw);
    if ((rc != RPMRC_OK && rc != RPMRC_NOTTRUSTED && rc != RPMRC_NOKEY) || !h)
        throw InvalidError(fmt::format("{}: not an rpm package", path));
    // No epoch in file names: name-version-release.arch, as rpmbuild names them. The parts come
    // from the package author, and name a file in local-rpms/: checked as file-name parts.
    std::string stored = rpm_file_name(h.str(RPMTAG_NAME), h.str(RPMTAG_VERSION),
                                       h.str(RPMTAG_RELEASE), h.str(RPMTAG_ARCH), path);
    return stored.substr(0, stored.size() - 4);
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
