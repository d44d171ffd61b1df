#include "rpm_session.hpp"

extern "C" {
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
}

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy/error.hpp"

namespace deploy::layering::rpm {

namespace {

std::mutex& session_mutex() {
    static std::mutex m;
    return m;
}

void read_config_once() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] { ok = rpmReadConfigFiles(nullptr, nullptr) == 0; });
    if (!ok)
        throw Error(ErrorKind::Failed, "cannot read the rpm configuration (rpmReadConfigFiles)");
}

int log_trampoline(rpmlogRec rec, rpmlogCallbackData data) {
    static_cast<RpmLogGuard*>(data)->on_log(rpmlogRecPriority(rec), rpmlogRecMessage(rec));
    // 0: handled here, librpm must not print it itself.
    return 0;
}

}  // namespace

DbLeftoverCleanup::~DbLeftoverCleanup() {
    const std::string db = root_ + kDbPath + "/rpmdb.sqlite";
    struct stat st;
    if (::stat((db + "-wal").c_str(), &st) == 0 && st.st_size != 0) {
        spdlog::warn("rpmdb of {} has a non-empty write-ahead log; keeping it", root_);
        return;
    }
    ::unlink((db + "-wal").c_str());
    ::unlink((db + "-shm").c_str());
}

RpmLogGuard::RpmLogGuard() {
    rpmlogSetCallback(&log_trampoline, this);
}

RpmLogGuard::~RpmLogGuard() {
    rpmlogSetCallback(nullptr, nullptr);
}

void RpmLogGuard::on_log(int priority, std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    if (capture_ && priority <= RPMLOG_WARNING) {
        if (priority <= RPMLOG_ERR)
            errors_.push_back(text);
        capture_->push_back(text);
        spdlog::debug("rpm: {}", text);
        return;
    }
    switch (priority) {
        case RPMLOG_EMERG:
        case RPMLOG_ALERT:
        case RPMLOG_CRIT:
        case RPMLOG_ERR:
            errors_.push_back(text);
            spdlog::error("rpm: {}", text);
            break;
        case RPMLOG_WARNING:
            spdlog::warn("rpm: {}", text);
            break;
        default:
            spdlog::debug("rpm: {}", text);
    }
}

std::string RpmLogGuard::errors() const {
    std::string out;
    for (const auto& e : errors_)
        out += (out.empty() ? "" : "; ") + e;
    return out;
}

void RpmSession::load_configuration() {
    read_config_once();
}

RpmSession::RpmSession() : lock_(session_mutex()) {
    read_config_once();
    rpmPushMacro(nullptr, "_dbpath", nullptr, kDbPath, RMIL_CMDLINE);
    // Plugins (systemd_inhibit, dbus_announce, selinux...) act on the host, not the tree we build.
    rpmPushMacro(nullptr, "__plugindir", nullptr, "/nonexistent/deployd-no-plugins", RMIL_CMDLINE);
}

RpmSession::~RpmSession() {
    rpmPopMacro(nullptr, "__plugindir");
    rpmPopMacro(nullptr, "_dbpath");
}

}  // namespace deploy::layering::rpm
