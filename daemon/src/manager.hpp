// The org.deployd.Deploy1 object: authorizes and validates requests, keeps one transaction at a
// time (Busy for a different request, join for the identical one), keeps finished transactions
// for late clients, serves status, and decides when the daemon is idle.
#pragma once

#include <deque>
#include <initializer_list>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "authorizer.hpp"
#include "config.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deployd/generated/adaptor.h"
#include "event_loop.hpp"
#include "rate_limiter.hpp"
#include "read_pool.hpp"
#include "transaction.hpp"

namespace deployd {

struct ManagerOptions {
    deploy::sysroot::SysrootOptions sysroot;
    DaemonConfig config;
};

class Manager : public sdbus::AdaptorInterfaces<org::deployd::Deploy1_adaptor> {
  public:
    Manager(sdbus::IConnection& bus, EventLoop& loop, sdbus::IProxy& driver,
            ManagerOptions options);
    ~Manager();

    // No transaction pending or running and nothing asked of us for the idle timeout.
    bool idle() const;
    // Cancels what runs and waits for it (daemon shutdown).
    void shutdown();

  private:
    // D-Bus interface.
    void GetStatus(sdbus::Result<std::string>&& result) override;
    void EtcDiff(sdbus::Result<std::string>&& result) override;
    sdbus::ObjectPath Upgrade(const bool& check_only) override;
    sdbus::ObjectPath Deploy(const std::string& revision) override;
    sdbus::ObjectPath Rebase(const std::string& refspec) override;
    sdbus::ObjectPath Rollback() override;
    sdbus::ObjectPath KernelArgs(const std::vector<std::string>& append,
                                 const std::vector<std::string>& remove,
                                 const std::vector<std::string>& replace) override;
    sdbus::ObjectPath Cleanup() override;
    sdbus::ObjectPath Pin(const uint32_t& index, const bool& pinned) override;
    sdbus::ObjectPath RemoteAdd(const std::string& name, const std::string& url) override;
    sdbus::ObjectPath UpgradePreview() override;
    sdbus::ObjectPath Install(const std::vector<std::string>& packages,
                              const std::vector<sdbus::UnixFd>& local_packages) override;
    sdbus::ObjectPath Uninstall(const std::vector<std::string>& packages) override;
    sdbus::ObjectPath OverrideRemove(const std::vector<std::string>& packages) override;
    sdbus::ObjectPath OverrideReplace(const std::vector<sdbus::UnixFd>& local_packages) override;
    sdbus::ObjectPath OverrideReset(const std::vector<std::string>& packages,
                                    const bool& all) override;
    sdbus::ObjectPath ResetLayering() override;
    std::tuple<bool, sdbus::ObjectPath> AutomaticUpdateTrigger() override;
    std::string Version() override;
    std::string Deployments() override;
    std::string BootedDeployment() override;
    std::string DefaultDeployment() override;
    std::string RollbackDeployment() override;
    sdbus::ObjectPath ActiveTransaction() override;
    std::string AutomaticUpdatePolicy() override;

    // Authorizes the caller of the current method for every one of `actions` (first thing every
    // mutating handler does), then builds the request (validation) and submits it.
    template <typename Build>
    sdbus::ObjectPath request(std::initializer_list<const char*> actions, Build&& build);
    // Read-only work of `what` off the loop thread: identifies and meters the caller, checks
    // `action` (none when null), runs `work` on the read pool, replies from the loop thread.
    template <typename Work>
    void read_call(sdbus::Result<std::string>&& result, const char* what, const char* action,
                   Work work);
    std::string submit(const Caller& caller, OperationRequest request, bool start_now);
    std::string deployment_id(const char* flag);
    void on_name_owner_changed(const std::string& name, const std::string& old_owner,
                               const std::string& new_owner);
    void on_phase_change(Transaction& tx);
    void retire(const std::shared_ptr<Transaction>& tx);
    void touch();

    sdbus::IConnection& bus_;
    EventLoop& loop_;
    Authorizer authorizer_;
    ManagerOptions options_;
    deploy::sysroot::Sysroot sysroot_;  // read-only use on the loop thread
    std::shared_ptr<Transaction> active_;
    std::deque<std::shared_ptr<Transaction>> finished_;  // kept for late clients
    EventLoop::Clock::time_point last_activity_;
    bool stopping_ = false;
    RateLimiter limiter_;
    ReadPool read_pool_;  // last: its workers are joined before anything they use goes
};

}  // namespace deployd
