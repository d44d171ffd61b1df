// One requested operation, exported at /org/deployd/Deploy1/Transaction/<id>.
//
// Life: pending (exported, waiting for Start(); dropped when all its clients disconnect) ->
// running (the engine works on a worker thread; progress is posted to the loop thread, which
// emits the signals) -> finished (Finished signal; Result/ErrorName/ErrorMessage stay readable
// until the manager unexports it). All methods run on the loop thread.
//
// Its signals (progress, Finished, PropertiesChanged) are unicast to its clients only: the
// caller that created it, those that joined it and those that called Start(). Progress carries
// scriptlet output and paths of root's work; a broadcast would hand it to every local user.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <sdbus-c++/sdbus-c++.h>

#include "authorizer.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deployd/generated/adaptor.h"
#include "event_loop.hpp"
#include "operation.hpp"

namespace deployd {

class Transaction : public sdbus::AdaptorInterfaces<org::deployd::Deploy1::Transaction_adaptor>,
                    public std::enable_shared_from_this<Transaction> {
  public:
    enum class Phase { Pending, Running, Finished };
    struct Context {
        sdbus::IConnection& bus;
        EventLoop& loop;
        Authorizer& authorizer;
        deploy::sysroot::SysrootOptions sysroot;
        std::function<void(Transaction&)> on_phase_change;  // started or finished
    };

    Transaction(Context context, std::string id, OperationRequest request, deployd::Caller caller);
    ~Transaction();  // cancels and waits for the worker

    const std::string& id() const { return id_; }
    const std::string& path() const { return getObjectPath(); }
    const OperationRequest& request() const { return request_; }
    const deployd::Caller& caller() const { return caller_; }
    Phase phase() const { return phase_; }
    std::string describe() const;  // "upgrade (tx 1a2b) requested by uid 0 (:1.4)"

    // A subscriber to the signals (joined the request, or called Start()).
    void add_client(const deployd::Caller& client) { clients_.insert(client.bus_name); }
    // Forgets a disconnected client; a pending transaction nobody waits for any more is dropped.
    void client_vanished(const std::string& bus_name);
    void start();
    void request_cancel();
    // Blocks until the worker is done (shutdown); its outcome is then posted to the loop.
    void wait_for_worker();
    // Finishes a pending transaction without running it.
    void drop(const std::string& why);

  private:
    class Progress;

    // D-Bus interface.
    void Start() override;
    void Cancel() override;
    std::string Id() override { return id_; }
    std::string Operation() override { return request_.operation; }
    std::string Caller() override { return caller_.describe(); }
    std::string State() override;
    bool Finished() override { return phase_ == Phase::Finished; }
    bool Success() override { return success_; }
    std::string Result() override { return result_; }
    std::string ErrorName() override { return error_name_; }
    std::string ErrorMessage() override { return error_message_; }

    // Start/Cancel: the requesting uid, root, or whoever polkit authorizes for the action.
    deployd::Caller authorize_control();
    // Sends signal `member` of the Transaction interface to each client, addressed to it.
    template <typename... Args>
    void signal_clients(const char* member, const Args&... args);
    // PropertiesChanged (with values) for `names`, to the clients only.
    void properties_changed(const std::vector<std::string>& names);
    void run_worker();
    void finish(bool success, std::string result, std::string error_name,
                std::string error_message);

    Context context_;
    std::string id_;
    OperationRequest request_;
    deployd::Caller caller_;
    std::set<std::string> clients_;  // unique names
    Phase phase_ = Phase::Pending;
    std::atomic<bool> cancel_{false};
    std::thread worker_;
    bool success_ = false;
    std::string result_;
    std::string error_name_;
    std::string error_message_;
};

}  // namespace deployd
