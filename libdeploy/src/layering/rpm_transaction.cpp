// The transaction proper. The notify callback (a static trampoline into TransactionContext) opens
// each package file when librpm asks for it and gives every scriptlet an output file of its own.
#include "rpm_transaction.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "fetch.hpp"
#include "rpm_handles.hpp"
#include "rpm_session.hpp"

namespace deploy::layering {

nlohmann::json TransactionRequest::to_json() const {
    auto list = [](const std::vector<TransactionPackage>& v) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : v)
            out.push_back({{"path", p.path}, {"name", p.name}, {"nevra", p.nevra}});
        return out;
    };
    return {{"root", root},
            {"install", list(install)},
            {"erase", list(erase)},
            {"run_scripts", run_scripts}};
}

TransactionRequest TransactionRequest::from_json(const nlohmann::json& j) {
    auto list = [](const nlohmann::json& v) {
        std::vector<TransactionPackage> out;
        for (const auto& p : v)
            out.push_back({p.at("path"), p.at("name"), p.at("nevra")});
        return out;
    };
    TransactionRequest r;
    r.root = j.at("root");
    r.install = list(j.at("install"));
    r.erase = list(j.at("erase"));
    r.run_scripts = j.at("run_scripts");
    return r;
}

nlohmann::json ScriptletRun::to_json() const {
    return {{"package", package}, {"scriptlet", scriptlet}, {"ok", ok}, {"output", output}};
}

ScriptletRun ScriptletRun::from_json(const nlohmann::json& j) {
    return {j.at("package"), j.at("scriptlet"), j.at("ok"), j.at("output")};
}

namespace {

std::string scriptlet_name(rpm_loff_t tag) {
    switch (static_cast<rpmTagVal>(tag)) {
        case RPMTAG_PREIN:
            return "%pre";
        case RPMTAG_POSTIN:
            return "%post";
        case RPMTAG_PREUN:
            return "%preun";
        case RPMTAG_POSTUN:
            return "%postun";
        case RPMTAG_PRETRANS:
            return "%pretrans";
        case RPMTAG_POSTTRANS:
            return "%posttrans";
        case RPMTAG_TRIGGERSCRIPTS:
            return "%trigger";
        case RPMTAG_FILETRIGGERSCRIPTS:
            return "%filetrigger";
        case RPMTAG_TRANSFILETRIGGERSCRIPTS:
            return "%transfiletrigger";
        default:
            return fmt::format("scriptlet (tag {})", tag);
    }
}

struct TransactionContext {
    const TransactionEvents& events;
    const PackageFiles& files;
    std::map<std::string, FD_t> open_files;
    size_t total = 0;
    size_t done = 0;
    // The running scriptlet's output: a memfd, and librpm's handle on a duplicate of it.
    UniqueFd script_out;
    FD_t script_fd = nullptr;
    ScriptletRun current;
    std::vector<ScriptletRun> failed;

    void* open_package(const char* path) {
        int raw = files.fd(path);
        if (::lseek(raw, 0, SEEK_SET) != 0)
            return nullptr;
        FD_t fd = fdDup(raw);
        if (!fd || Ferror(fd)) {
            if (fd)
                Fclose(fd);
            return nullptr;  // librpm reports the package as failed
        }
        open_files[path] = fd;
        return fd;
    }

    void close_package(const char* path) {
        if (auto it = open_files.find(path); it != open_files.end()) {
            Fclose(it->second);
            open_files.erase(it);
        }
        ++done;
        if (total && events.percent)
            events.percent(static_cast<int>(100 * std::min(done, total) / total));
    }

    // Returns the FD_t librpm sends the scriptlet's stdout and stderr to.
    void* script_start(const void* header, rpm_loff_t tag) {
        finish_script();
        current = {};
        // librpm passes the package's Header as the untyped first argument.
        Header h = static_cast<Header>(const_cast<void*>(header));
        current.package = h ? rpm::HeaderRef::link(h).nevra() : "?";
        current.scriptlet = scriptlet_name(tag);
        if (events.scriptlet_starting)
            events.scriptlet_starting();
        int fd = ::memfd_create("deployd-scriptlet", MFD_CLOEXEC);
        if (fd < 0)
            return nullptr;  // librpm falls back to the transaction's script fd
        script_out = UniqueFd(fd);
        script_fd = fdDup(fd);
        return script_fd;
    }

    void script_stop(rpm_loff_t rc) {
        if (!script_fd)
            return;
        current.ok = rc == RPMRC_OK;
        finish_script();
    }

    void finish_script() {
        if (!script_fd)
            return;
        Fclose(script_fd);
        script_fd = nullptr;
        if (events.scriptlet_finished)
            events.scriptlet_finished();
        std::string out;
        char buf[4096];
        off_t off = 0;
        for (ssize_t n; (n = ::pread(script_out.get(), buf, sizeof buf, off)) > 0; off += n)
            out.append(buf, static_cast<size_t>(n));
        script_out.reset();
        current.output = std::move(out);
        if (!current.ok)
            failed.push_back(current);
        if (events.scriptlet)
            events.scriptlet(current);
    }
};

void* notify_trampoline(const void* header, const rpmCallbackType what, const rpm_loff_t amount,
                        const rpm_loff_t total, fnpyKey key, rpmCallbackData data) {
    auto* ctx = static_cast<TransactionContext*>(data);
    switch (what) {
        case RPMCALLBACK_INST_OPEN_FILE:
            return ctx->open_package(static_cast<const char*>(key));
        case RPMCALLBACK_INST_CLOSE_FILE:
            ctx->close_package(static_cast<const char*>(key));
            return nullptr;
        case RPMCALLBACK_SCRIPT_START:
            return ctx->script_start(header, amount);
        case RPMCALLBACK_SCRIPT_STOP:
            ctx->script_stop(total);
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

void add_erase_elements(rpm::Ts& ts, const std::vector<TransactionPackage>& erase,
                        const std::string& root) {
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
            throw NotFoundError(fmt::format("package {} is not installed in {}",
                                            pkg.nevra.empty() ? pkg.name : pkg.nevra, root));
    }
}

}  // namespace

PackageFiles PackageFiles::open_all(const TransactionRequest& request) {
    PackageFiles files;
    for (const auto& pkg : request.install) {
        int fd = ::open(pkg.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            throw_errno("cannot open the package", pkg.path);
        files.fds_[pkg.path] = UniqueFd(fd);
    }
    return files;
}

int PackageFiles::fd(const std::string& path) const {
    auto it = fds_.find(path);
    if (it == fds_.end())
        throw NotFoundError(fmt::format("package {} was not opened for the transaction", path));
    return it->second.get();
}

void run_transaction(const TransactionRequest& request, const PackageFiles& files,
                     const TransactionEvents& events) {
    const std::string& root = request.root;
    if (root.empty() || root.front() != '/')
        throw InvalidError(fmt::format("rpm root '{}' must be an absolute path", root));
    rpm::RpmSession session;
    rpm::DbLeftoverCleanup cleanup(root);  // runs after the Ts below has closed the db
    // Headers are read first, with a Ts of their own: the install time recorded in the rpmdb is
    // taken from SOURCE_DATE_EPOCH (set to the newest build time, so the same package set gives
    // the same rpmdb), which must be set before the installing Ts exists. This process is the
    // sandbox helper, so setting the environment touches nobody else.
    std::vector<rpm::HeaderRef> headers;
    uint64_t newest_build = 0;
    {
        rpm::Ts reader;
        // Package files were checked against the repo's sha256 (and signatures, with gpgcheck)
        // by the engine before the sandbox started.
        rpmtsSetVSFlags(reader.get(), rpmtsVSFlags(reader.get()) | RPMVSF_MASK_NOSIGNATURES);
        for (const auto& pkg : request.install) {
            rpm::RpmFile file(files.fd(pkg.path));
            if (!file.ok())
                throw_errno("cannot read", pkg.path);
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
    if (newest_build)
        ::setenv("SOURCE_DATE_EPOCH", std::to_string(newest_build).c_str(), 1);
    rpm::Ts ts;
    // The root dir is set before the database is touched: every db path below is inside root.
    if (rpmtsSetRootDir(ts.get(), root.c_str()) != 0)
        throw InvalidError(fmt::format("rpm refuses root dir {}", root));
    if (!fs::exists_at(AT_FDCWD, root + rpm::kDbPath)) {
        mkdir_p_absolute(root + rpm::kDbPath);
        if (rpmtsInitDB(ts.get(), 0644) != 0)
            throw Error(ErrorKind::Failed, fmt::format("cannot create the rpmdb in {}: {}", root,
                                                       session.log().errors()));
    }
    rpmtransFlags flags = RPMTRANS_FLAG_NOPLUGINS;
    if (!request.run_scripts)
        flags |= RPMTRANS_FLAG_NOSCRIPTS | RPMTRANS_FLAG_NOTRIGGERS;
    rpmtsSetFlags(ts.get(), flags);
    rpmtsSetVSFlags(ts.get(), rpmtsVSFlags(ts.get()) | RPMVSF_MASK_NOSIGNATURES);
    for (size_t i = 0; i < request.install.size(); ++i) {
        // The key is the path; it stays alive in `request` for the whole transaction.
        if (rpmtsAddInstallElement(ts.get(), headers[i].get(), request.install[i].path.c_str(), 1,
                                   nullptr) != 0) {
            throw Error(ErrorKind::Failed, fmt::format("rpm cannot add {}: {}", headers[i].nevra(),
                                                       session.log().errors()));
        }
    }
    add_erase_elements(ts, request.erase, root);

    if (rpmtsCheck(ts.get()) != 0)
        throw Error(ErrorKind::Failed, "rpm dependency check failed: " + session.log().errors());
    if (auto problems = rpm::ProblemSet(ts).lines(); !problems.empty())
        throw ConflictError("rpm dependency check failed: " + join(problems));
    rpmtsOrder(ts.get());

    TransactionContext ctx{events, files, {}, request.install.size(), 0, {}, nullptr, {}, {}};
    rpmtsSetNotifyCallback(ts.get(), &notify_trampoline, &ctx);
    // OLDPACKAGE: `override replace` may downgrade a base package on purpose.
    int rc =
        rpmtsRun(ts.get(), nullptr,
                 RPMPROB_FILTER_DISKSPACE | RPMPROB_FILTER_DISKNODES | RPMPROB_FILTER_OLDPACKAGE);
    rpmtsSetNotifyCallback(ts.get(), nullptr, nullptr);
    ctx.finish_script();
    for (auto& [path, fd] : ctx.open_files)
        Fclose(fd);
    std::vector<std::string> why;
    for (const auto& s : ctx.failed) {
        if (rc != 0)
            why.push_back(fmt::format("{} of {} failed", s.scriptlet, s.package));
    }
    if (rc != 0) {
        for (auto& p : rpm::ProblemSet(ts).lines())
            why.push_back(std::move(p));
        if (auto log = session.log().errors(); !log.empty())
            why.push_back(log);
        throw Error(ErrorKind::Failed, "rpm transaction failed: " + join(why));
    }
}

}  // namespace deploy::layering
