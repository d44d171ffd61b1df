#include "manager.hpp"

#include <systemd/sd-daemon.h>

#include <optional>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/sysroot/operations.hpp"
#include "deploy/sysroot/results.hpp"
#include "deploy/sysroot/status.hpp"
#include "deployd/bus_error.hpp"
#include "deployd/names.hpp"
#include "guarded.hpp"
#include "logging.hpp"

namespace deployd {

using nlohmann::json;
namespace sr = deploy::sysroot;

namespace {

// A pending transaction nobody starts is dropped after this long.
constexpr auto kStartTimeout = std::chrono::seconds(60);
// A finished transaction stays readable this long, and at most kKeptFinished of them.
constexpr auto kResultRetention = std::chrono::minutes(5);
constexpr size_t kKeptFinished = 8;

std::string new_transaction_id() {
    static std::random_device device;
    return fmt::format("{:08x}", device());
}

// The descriptors stay owned by the message's UnixFds; the request keeps its own duplicates.
std::vector<int> raw_fds(const std::vector<sdbus::UnixFd>& fds) {
    std::vector<int> out;
    for (const auto& fd : fds)
        out.push_back(fd.get());
    return out;
}

}  // namespace

Manager::Manager(sdbus::IConnection& bus, EventLoop& loop, sdbus::IProxy& driver,
                 ManagerOptions options)
    : AdaptorInterfaces(bus, kObjectPath),
      bus_(bus),
      loop_(loop),
      authorizer_(bus, driver),
      options_(std::move(options)),
      sysroot_(sr::Sysroot::open(options_.sysroot)),
      last_activity_(EventLoop::Clock::now()),
      limiter_(options_.config.read_limits) {
    driver.uponSignal("NameOwnerChanged")
        .onInterface("org.freedesktop.DBus")
        .call([this](const std::string& name, const std::string& old_owner,
                     const std::string& new_owner) {
            on_name_owner_changed(name, old_owner, new_owner);
        });
    registerAdaptor();
}

Manager::~Manager() {
    unregisterAdaptor();
}

bool Manager::idle() const {
    return !active_ && EventLoop::Clock::now() - last_activity_ >=
                           std::chrono::seconds(options_.config.idle_exit_seconds);
}

void Manager::shutdown() {
    stopping_ = true;
    if (auto tx = active_) {
        spdlog::info("shutting down: cancelling {}", tx->describe());
        tx->request_cancel();  // a pending one is dropped at once
        // The engine stops at its next safe point; then Finished goes out before we leave.
        tx->wait_for_worker();
        loop_.run_pending();
    }
    active_.reset();
    finished_.clear();
}

void Manager::touch() {
    last_activity_ = EventLoop::Clock::now();
}

template <typename Build>
sdbus::ObjectPath Manager::request(std::initializer_list<const char*> actions, Build&& build) {
    return guarded([&] {
        touch();
        auto* message = getObject().getCurrentlyProcessedMessage();
        auto caller = authorizer_.identify(message->getSender());
        for (const char* action : actions)
            authorizer_.check(caller, action);
        if (stopping_)
            throw deploy::Error(deploy::ErrorKind::Failed, "deployd is shutting down");
        return sdbus::ObjectPath(submit(caller, build(), false));
    });
}

std::string Manager::submit(const Caller& caller, OperationRequest request, bool start_now) {
    if (active_) {
        if (active_->request().key == request.key) {
            spdlog::info("{} joins {}", caller.describe(), active_->describe());
            active_->add_client(caller);
            return active_->path();
        }
        throw deploy::BusyError(fmt::format(
            "busy: {} is {}", active_->describe(),
            active_->phase() == Transaction::Phase::Pending ? "waiting to start" : "running"));
    }
    auto id = new_transaction_id();
    auto tx = std::make_shared<Transaction>(
        Transaction::Context{bus_, loop_, authorizer_, options_.sysroot,
                             [this](Transaction& t) { on_phase_change(t); }},
        id, std::move(request), caller);
    active_ = tx;
    {
        LogTransactionScope scope(id);
        spdlog::info("new transaction: {}", tx->describe());
    }
    getObject().emitPropertiesChangedSignal(INTERFACE_NAME, {"ActiveTransaction"});
    if (start_now) {
        tx->start();
    } else {
        loop_.add_timer(kStartTimeout, [weak = std::weak_ptr(tx)] {
            if (auto t = weak.lock())
                t->drop("nobody called Start() within 60 s");
        });
    }
    return tx->path();
}

void Manager::on_phase_change(Transaction& tx) {
    touch();
    if (tx.phase() == Transaction::Phase::Running) {
        sd_notifyf(0, "STATUS=Running %s", tx.describe().c_str());
        return;
    }
    if (tx.phase() != Transaction::Phase::Finished || !active_ || active_.get() != &tx)
        return;
    auto finished = active_;
    active_.reset();
    retire(finished);
    sd_notify(0, "STATUS=Idle");
    try {
        getObject().emitPropertiesChangedSignal(
            INTERFACE_NAME, {"ActiveTransaction", "Deployments", "BootedDeployment",
                             "DefaultDeployment", "RollbackDeployment"});
    } catch (const std::exception& e) {
        spdlog::warn("cannot announce property changes: {}", e.what());
    }
}

void Manager::retire(const std::shared_ptr<Transaction>& tx) {
    finished_.push_back(tx);
    while (finished_.size() > kKeptFinished)
        finished_.pop_front();
    loop_.add_timer(kResultRetention, [this, weak = std::weak_ptr(tx)] {
        auto t = weak.lock();
        if (!t)
            return;
        std::erase(finished_, t);
    });
}

void Manager::on_name_owner_changed(const std::string& name, const std::string&,
                                    const std::string& new_owner) {
    if (!new_owner.empty() || name.empty() || name[0] != ':')
        return;
    authorizer_.forget(name);
    if (active_)
        active_->client_vanished(name);
}

template <typename Work>
void Manager::read_call(sdbus::Result<std::string>&& result, const char* what, const char* action,
                        Work work) {
    guarded([&] {
        touch();
        auto* message = getObject().getCurrentlyProcessedMessage();
        auto caller = authorizer_.identify(message->getSender());
        // Metered before polkit is asked, so a flood costs polkit nothing.
        auto ticket = limiter_.admit(caller.uid, what);
        if (action)
            authorizer_.check(caller, action);
        // std::function needs copyable captures; the reply is sent once, from the loop thread.
        auto reply = std::make_shared<sdbus::Result<std::string>>(std::move(result));
        read_pool_.submit(caller.uid == 0, [this, reply, ticket, work] {
            std::string out;
            std::optional<sdbus::Error> error;
            try {
                auto sysroot = sr::Sysroot::open(options_.sysroot);
                out = work(sysroot);
            } catch (const deploy::Error& e) {
                error = to_bus_error(e);
            } catch (const std::exception& e) {
                error = to_bus_error(deploy::Error(deploy::ErrorKind::Failed, e.what()));
            }
            loop_.post([reply, ticket, out = std::move(out), error = std::move(error)] {
                try {
                    if (error)
                        reply->returnError(*error);
                    else
                        reply->returnResults(out);
                } catch (const std::exception& e) {
                    spdlog::warn("cannot send a reply: {}", e.what());
                }
            });
        });
    });
}

void Manager::GetStatus(sdbus::Result<std::string>&& result) {
    read_call(std::move(result), "GetStatus", nullptr,
              [](sr::Sysroot& sysroot) { return sr::status_json(sysroot).dump(); });
}

void Manager::EtcDiff(sdbus::Result<std::string>&& result) {
    read_call(std::move(result), "EtcDiff", action::kEtcDiff,
              [](sr::Sysroot& sysroot) { return sr::etc_diff_json(sr::etc_diff(sysroot)).dump(); });
}

sdbus::ObjectPath Manager::Upgrade(const bool& check_only) {
    return request({action::kUpgrade}, [&] { return make_upgrade(check_only); });
}

sdbus::ObjectPath Manager::Deploy(const std::string& revision) {
    return request({action::kDeploy}, [&] { return make_deploy(revision); });
}

sdbus::ObjectPath Manager::Rebase(const std::string& refspec) {
    return request({action::kRebase}, [&] { return make_rebase(refspec); });
}

sdbus::ObjectPath Manager::Rollback() {
    return request({action::kRollback}, [&] { return make_rollback(); });
}

sdbus::ObjectPath Manager::KernelArgs(const std::vector<std::string>& append,
                                      const std::vector<std::string>& remove,
                                      const std::vector<std::string>& replace) {
    return request({action::kBootConfig}, [&] { return make_kargs(append, remove, replace); });
}

sdbus::ObjectPath Manager::Cleanup() {
    return request({action::kCleanup}, [&] { return make_cleanup(); });
}

sdbus::ObjectPath Manager::Pin(const uint32_t& index, const bool& pinned) {
    return request({action::kBootConfig}, [&] { return make_pin(index, pinned); });
}

sdbus::ObjectPath Manager::RemoteAdd(const std::string& name, const std::string& url) {
    return request({action::kRemotes}, [&] { return make_remote_add(name, url); });
}

sdbus::ObjectPath Manager::UpgradePreview() {
    return request({action::kUpgrade}, [&] { return make_upgrade_preview(); });
}

sdbus::ObjectPath Manager::Install(const std::vector<std::string>& packages,
                                   const std::vector<sdbus::UnixFd>& local_packages) {
    return request({action::kInstallUninstall},
                   [&] { return make_install(packages, raw_fds(local_packages)); });
}

sdbus::ObjectPath Manager::Uninstall(const std::vector<std::string>& packages) {
    return request({action::kInstallUninstall}, [&] { return make_uninstall(packages); });
}

sdbus::ObjectPath Manager::OverrideRemove(const std::vector<std::string>& packages) {
    return request({action::kOverride}, [&] { return make_override_remove(packages); });
}

sdbus::ObjectPath Manager::OverrideReplace(const std::vector<sdbus::UnixFd>& local_packages) {
    return request({action::kOverride},
                   [&] { return make_override_replace(raw_fds(local_packages)); });
}

sdbus::ObjectPath Manager::OverrideReset(const std::vector<std::string>& packages,
                                         const bool& all) {
    return request({action::kOverride}, [&] { return make_override_reset(packages, all); });
}

sdbus::ObjectPath Manager::ResetLayering() {
    // It undoes both kinds of change, so it needs both rights.
    return request({action::kInstallUninstall, action::kOverride},
                   [&] { return make_reset_layering(); });
}

std::tuple<bool, sdbus::ObjectPath> Manager::AutomaticUpdateTrigger() {
    return guarded([&] {
        touch();
        auto* message = getObject().getCurrentlyProcessedMessage();
        auto caller = authorizer_.identify(message->getSender());
        authorizer_.check(caller, action::kUpgrade);
        if (stopping_)
            throw deploy::Error(deploy::ErrorKind::Failed, "deployd is shutting down");
        auto policy = options_.config.automatic_update_policy;
        if (policy == AutomaticUpdatePolicy::None)
            return std::tuple<bool, sdbus::ObjectPath>{false, sdbus::ObjectPath("/")};
        auto path = submit(caller, make_upgrade(policy == AutomaticUpdatePolicy::Check), true);
        return std::tuple<bool, sdbus::ObjectPath>{true, sdbus::ObjectPath(path)};
    });
}

std::string Manager::Version() {
    return DEPLOYD_VERSION;
}

std::string Manager::Deployments() {
    return guarded([&] {
        touch();
        return sr::status_json(sysroot_).value("deployments", json::array()).dump();
    });
}

std::string Manager::deployment_id(const char* flag) {
    return guarded([&] {
        touch();
        auto status = sr::status_json(sysroot_);
        for (const auto& d : status.value("deployments", json::array())) {
            if (d.value(flag, false))
                return d.value("id", std::string());
        }
        return std::string();
    });
}

std::string Manager::BootedDeployment() {
    return deployment_id("booted");
}

std::string Manager::DefaultDeployment() {
    return deployment_id("default");
}

std::string Manager::RollbackDeployment() {
    return deployment_id("rollback");
}

sdbus::ObjectPath Manager::ActiveTransaction() {
    return sdbus::ObjectPath(active_ ? active_->path() : "/");
}

std::string Manager::AutomaticUpdatePolicy() {
    return policy_name(options_.config.automatic_update_policy);
}

}  // namespace deployd
