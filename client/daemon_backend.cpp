// The daemon backend: every engine command through deployd over D-Bus. Results are the same JSON
// as the in-process backend, so rendering and exit codes are shared.
//
// A mutating call returns a transaction path; we subscribe to its signals, then call Start() (so
// nothing is missed), feed Message/Task/Percent into the caller's Progress, turn Ctrl-C
// (Progress::cancel_requested) into Cancel(), and read Result or the error when it finished.
// Single-threaded: we drive the connection ourselves with poll(2).
#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <optional>

#include <fmt/format.h>
#include <sdbus-c++/sdbus-c++.h>

#include "backend.hpp"
#include "cli.hpp"
#include "deploy/error.hpp"
#include "deployd/bus_error.hpp"
#include "deployd/generated/proxy.h"
#include "deployd/names.hpp"

namespace deployctl {

using nlohmann::json;

namespace {

class ManagerProxy : public sdbus::ProxyInterfaces<org::deployd::Deploy1_proxy> {
  public:
    explicit ManagerProxy(sdbus::IConnection& bus)
        : ProxyInterfaces(bus, deployd::kBusName, deployd::kObjectPath) {
        registerProxy();
    }
    ~ManagerProxy() { unregisterProxy(); }
};

class TransactionProxy : public sdbus::ProxyInterfaces<org::deployd::Deploy1::Transaction_proxy> {
  public:
    TransactionProxy(sdbus::IConnection& bus, const std::string& path, deploy::Progress& progress)
        : ProxyInterfaces(bus, deployd::kBusName, path), progress_(progress) {
        registerProxy();
    }
    ~TransactionProxy() { unregisterProxy(); }

    struct Outcome {
        bool success;
        std::string error_name;
        std::string error_message;
    };
    // From the Finished signal (the daemon may be gone right after sending it).
    const std::optional<Outcome>& outcome() const { return outcome_; }

  private:
    void onMessage(const std::string& text) override { progress_.message(text); }
    void onTaskBegin(const std::string& task) override { progress_.task_begin(task); }
    void onTaskEnd(const std::string& task) override { progress_.task_end(task); }
    void onPercent(const std::string& stage, const uint32_t& value) override {
        progress_.percent(stage, int(value));
    }
    void onFinished(const bool& success, const std::string& error_name,
                    const std::string& error_message) override {
        outcome_ = Outcome{success, error_name, error_message};
    }

    deploy::Progress& progress_;
    std::optional<Outcome> outcome_;
};

// Polls the connection until `done` or `timeout`; false on timeout.
template <typename Done>
bool pump(sdbus::IConnection& bus, Done done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        while (bus.processPendingRequest()) {
            if (done())
                return true;
        }
        if (done())
            return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        auto data = bus.getEventLoopPollData();
        struct pollfd fd = {data.fd, data.events, 0};
        ::poll(&fd, 1, int(left.count()));  // EINTR (Ctrl-C) just ends the wait early
    }
}

class DaemonBackend : public Backend {
  public:
    explicit DaemonBackend(const GlobalOptions& options) : address_(options.bus_address) {
        try {
            bus_ = address_.empty() ? sdbus::createSystemBusConnection()
                                    : sdbus::createSessionBusConnectionWithAddress(address_);
            manager_ = std::make_unique<ManagerProxy>(*bus_);
        } catch (const sdbus::Error& e) {
            throw deploy::Error(deploy::ErrorKind::Failed,
                                fmt::format("cannot connect to {}: {}", where(), e.getMessage()));
        }
    }

    json status() override {
        return json::parse(call([&] { return manager_->GetStatus(); }));
    }
    json upgrade(const deploy::sysroot::UpgradeOptions& options,
                 deploy::Progress& progress) override {
        if (options.preview)
            return run(call([&] { return manager_->UpgradePreview(); }), progress);
        return run(call([&] { return manager_->Upgrade(options.check_only); }), progress);
    }
    json rebase(const std::string& refspec, deploy::Progress& progress) override {
        return run(call([&] { return manager_->Rebase(refspec); }), progress);
    }
    json deploy(const std::string& revision, deploy::Progress& progress) override {
        return run(call([&] { return manager_->Deploy(revision); }), progress);
    }
    json rollback(deploy::Progress& progress) override {
        return run(call([&] { return manager_->Rollback(); }), progress);
    }
    json kargs(const deploy::sysroot::KargsEdit& edit, deploy::Progress& progress) override {
        if (edit.empty()) {
            // Showing needs no transaction (and no authorization): read the default's kargs.
            auto deployments = status().value("deployments", json::array());
            if (deployments.empty())
                throw deploy::NotFoundError("no deployment yet");
            return {{"changed", false},
                    {"kargs", deployments.front().value("kargs", json::array())}};
        }
        return run(
            call([&] { return manager_->KernelArgs(edit.append, edit.remove, edit.replace); }),
            progress);
    }
    void pin(size_t index, bool pinned) override {
        if (index > UINT32_MAX)
            throw deploy::InvalidError(fmt::format("invalid deployment index {}", index));
        deploy::Progress quiet;
        run(call([&] { return manager_->Pin(uint32_t(index), pinned); }), quiet);
    }
    json cleanup(deploy::Progress& progress) override {
        return run(call([&] { return manager_->Cleanup(); }), progress);
    }
    json etc_diff() override {
        return json::parse(call([&] { return manager_->EtcDiff(); }));
    }
    void remote_add(const std::string& name, const std::string& url) override {
        deploy::Progress quiet;
        run(call([&] { return manager_->RemoteAdd(name, url); }), quiet);
    }

    json install(const std::vector<std::string>& specs, deploy::Progress& progress) override {
        std::vector<std::string> packages;
        std::vector<sdbus::UnixFd> files;
        for (const auto& spec : specs) {
            if (is_rpm_file(spec))
                files.push_back(open_rpm(spec));
            else
                packages.push_back(spec);
        }
        return run(call([&] { return manager_->Install(packages, files); }), progress);
    }
    json uninstall(const std::vector<std::string>& packages, deploy::Progress& progress) override {
        return run(call([&] { return manager_->Uninstall(packages); }), progress);
    }
    json override_remove(const std::vector<std::string>& packages,
                         deploy::Progress& progress) override {
        return run(call([&] { return manager_->OverrideRemove(packages); }), progress);
    }
    json override_replace(const std::vector<std::string>& rpm_files,
                          deploy::Progress& progress) override {
        std::vector<sdbus::UnixFd> files;
        for (const auto& path : rpm_files)
            files.push_back(open_rpm(path));
        return run(call([&] { return manager_->OverrideReplace(files); }), progress);
    }
    json override_reset(const std::vector<std::string>& packages, bool all,
                        deploy::Progress& progress) override {
        return run(call([&] { return manager_->OverrideReset(packages, all); }), progress);
    }
    json reset(deploy::Progress& progress) override {
        return run(call([&] { return manager_->ResetLayering(); }), progress);
    }

  private:
    static bool is_rpm_file(const std::string& spec) {
        return spec.size() > 4 && spec.compare(spec.size() - 4, 4, ".rpm") == 0;
    }

    // The daemon (root) never opens a path we name: it reads the file we opened, with our
    // rights.
    static sdbus::UnixFd open_rpm(const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw deploy::SystemError(errno, "cannot open", path);
        return sdbus::UnixFd(fd, sdbus::adopt_fd);
    }

    std::string where() const {
        return address_.empty() ? std::string("the system bus") : address_;
    }

    // A method call whose D-Bus error becomes the engine error it stands for.
    template <typename Fn>
    auto call(Fn&& fn) -> decltype(fn()) {
        try {
            return fn();
        } catch (const sdbus::Error& e) {
            if (e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
                e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner") {
                throw deploy::Error(deploy::ErrorKind::Failed,
                                    fmt::format("deployd is not running on {}", where()));
            }
            throw deployd::from_bus_error(e);
        }
    }

    // A call on the transaction object: when it is gone, deployd exited (or restarted) under us.
    template <typename Fn>
    auto still_there(Fn&& fn, const std::string& path) -> decltype(fn()) {
        try {
            return fn();
        } catch (const sdbus::Error& e) {
            const auto& name = e.getName();
            if (name == "org.freedesktop.DBus.Error.UnknownObject" ||
                name == "org.freedesktop.DBus.Error.UnknownMethod" ||
                name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
                name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
                name == "org.freedesktop.DBus.Error.NoReply") {
                throw deploy::Error(
                    deploy::ErrorKind::Failed,
                    fmt::format("deployd exited before transaction {} finished; run 'deployctl "
                                "status' to see the state",
                                path));
            }
            throw deployd::from_bus_error(e);
        }
    }

    // Follows the transaction at `path` to its end; its Result, or its error thrown.
    json run(const std::string& path, deploy::Progress& progress) {
        TransactionProxy tx(*bus_, path, progress);
        call([&] { tx.Start(); });
        bool cancel_sent = false;
        while (true) {
            auto wake = [&] {
                return tx.outcome().has_value() || (progress.cancel_requested() && !cancel_sent);
            };
            if (pump(*bus_, wake, std::chrono::milliseconds(500)) && tx.outcome().has_value())
                break;
            if (progress.cancel_requested() && !cancel_sent) {
                call([&] { tx.Cancel(); });
                cancel_sent = true;
            }
            // Also learns a missed Finished, and notices a daemon that went away.
            try {
                if (still_there([&] { return tx.Finished(); }, path))
                    break;
            } catch (const deploy::Error&) {
                // A daemon that stopped (SIGTERM) sends Finished, then leaves: the signal may be
                // queued behind the failed call.
                pump(
                    *bus_, [&] { return tx.outcome().has_value(); }, std::chrono::milliseconds(0));
                if (!tx.outcome())
                    throw;
                break;
            }
        }
        // Signals may still be queued behind the last call's reply.
        pump(
            *bus_, [&] { return tx.outcome().has_value(); }, std::chrono::milliseconds(0));
        auto outcome = tx.outcome();
        if (!outcome) {  // finished while we were not listening: ask
            outcome =
                TransactionProxy::Outcome{still_there([&] { return tx.Success(); }, path),
                                          still_there([&] { return tx.ErrorName(); }, path),
                                          still_there([&] { return tx.ErrorMessage(); }, path)};
        }
        if (!outcome->success) {
            throw deploy::Error(deployd::error_kind_from_bus_name(outcome->error_name),
                                outcome->error_message);
        }
        return json::parse(still_there([&] { return tx.Result(); }, path));
    }

    std::string address_;
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<ManagerProxy> manager_;
};

}  // namespace

std::unique_ptr<Backend> make_daemon_backend(const GlobalOptions& options) {
    return std::make_unique<DaemonBackend>(options);
}

}  // namespace deployctl
