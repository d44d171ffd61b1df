#include "transaction.hpp"

#include <map>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deployd/bus_error.hpp"
#include "deployd/names.hpp"
#include "guarded.hpp"
#include "logging.hpp"

namespace deployd {

// Unicast: a signal with a destination reaches that connection only (and no match rule of
// anyone else, short of eavesdropping, which the system bus denies).
template <typename... Args>
void Transaction::signal_clients(const char* member, const Args&... args) {
    for (const auto& client : clients_) {
        auto signal = getObject().createSignal(kTransactionInterface, member);
        signal.setDestination(client);
        (signal << ... << args);
        getObject().emitSignal(signal);
    }
}

// Engine progress from the worker thread, handed to the loop thread which owns the bus.
class Transaction::Progress : public deploy::Progress {
  public:
    Progress(EventLoop& loop, std::weak_ptr<Transaction> tx, const std::atomic<bool>& cancel)
        : loop_(loop), tx_(std::move(tx)), cancel_(cancel) {}

    void message(const std::string& text) override {
        spdlog::info("{}", text);
        emit([text](Transaction& t) { t.signal_clients("Message", text); });
    }
    void task_begin(const std::string& task) override {
        spdlog::debug("begin: {}", task);
        emit([task](Transaction& t) { t.signal_clients("TaskBegin", task); });
    }
    void task_end(const std::string& task) override {
        emit([task](Transaction& t) { t.signal_clients("TaskEnd", task); });
    }
    void percent(const std::string& stage, int value) override {
        auto clamped = uint32_t(value < 0 ? 0 : value > 100 ? 100 : value);
        if (stage == last_stage_ && clamped == last_percent_)
            return;
        last_stage_ = stage;
        last_percent_ = clamped;
        emit([stage, clamped](Transaction& t) { t.signal_clients("Percent", stage, clamped); });
    }
    bool cancel_requested() const override { return cancel_.load(); }

  private:
    template <typename Fn>
    void emit(Fn fn) {
        loop_.post([weak = tx_, fn = std::move(fn)] {
            if (auto tx = weak.lock()) {
                try {
                    fn(*tx);
                } catch (const std::exception& e) {
                    spdlog::warn("cannot emit progress signal: {}", e.what());
                }
            }
        });
    }

    EventLoop& loop_;
    std::weak_ptr<Transaction> tx_;
    const std::atomic<bool>& cancel_;
    std::string last_stage_;
    uint32_t last_percent_ = 101;
};

Transaction::Transaction(Context context, std::string id, OperationRequest request,
                         deployd::Caller caller)
    : AdaptorInterfaces(context.bus, kTransactionPathPrefix + id),
      context_(std::move(context)),
      id_(std::move(id)),
      request_(std::move(request)),
      caller_(std::move(caller)) {
    add_client(caller_);
    registerAdaptor();
}

Transaction::~Transaction() {
    cancel_ = true;
    if (worker_.joinable())
        worker_.join();
    unregisterAdaptor();
}

std::string Transaction::describe() const {
    return fmt::format("{} (tx {}) requested by {}", request_.operation, id_, caller_.describe());
}

std::string Transaction::State() {
    switch (phase_) {
        case Phase::Pending:
            return "pending";
        case Phase::Running:
            return "running";
        case Phase::Finished:
            return "finished";
    }
    return "finished";
}

deployd::Caller Transaction::authorize_control() {
    auto* message = getObject().getCurrentlyProcessedMessage();
    auto caller = context_.authorizer.identify(message->getSender());
    if (caller.uid != caller_.uid) {
        for (const auto& action : request_.actions)
            context_.authorizer.check(caller, action);
    }
    return caller;
}

void Transaction::properties_changed(const std::vector<std::string>& names) {
    std::map<std::string, sdbus::Variant> values;
    for (const auto& name : names) {
        if (name == "State")
            values[name] = sdbus::Variant(State());
        else if (name == "Finished")
            values[name] = sdbus::Variant(phase_ == Phase::Finished);
        else if (name == "Success")
            values[name] = sdbus::Variant(success_);
        else if (name == "Result")
            values[name] = sdbus::Variant(result_);
        else if (name == "ErrorName")
            values[name] = sdbus::Variant(error_name_);
        else if (name == "ErrorMessage")
            values[name] = sdbus::Variant(error_message_);
    }
    for (const auto& client : clients_) {
        auto signal =
            getObject().createSignal("org.freedesktop.DBus.Properties", "PropertiesChanged");
        signal.setDestination(client);
        signal << std::string(kTransactionInterface) << values << std::vector<std::string>();
        getObject().emitSignal(signal);
    }
}

void Transaction::Start() {
    LogTransactionScope scope(id_);
    guarded([&] {
        // Whoever starts it follows it: from now on it gets the signals.
        add_client(authorize_control());
        if (phase_ == Phase::Pending)
            start();
    });
}

void Transaction::Cancel() {
    LogTransactionScope scope(id_);
    guarded([&] {
        authorize_control();
        request_cancel();
    });
}

void Transaction::wait_for_worker() {
    if (worker_.joinable())
        worker_.join();
}

void Transaction::client_vanished(const std::string& bus_name) {
    if (clients_.erase(bus_name) == 0 || phase_ != Phase::Pending || !clients_.empty())
        return;
    drop(fmt::format("{} disconnected before the transaction started", bus_name));
}

void Transaction::start() {
    if (phase_ != Phase::Pending)
        return;
    LogTransactionScope scope(id_);
    spdlog::info("starting {}", describe());
    phase_ = Phase::Running;
    properties_changed({"State"});
    worker_ = std::thread([this] { run_worker(); });
    context_.on_phase_change(*this);
}

void Transaction::request_cancel() {
    LogTransactionScope scope(id_);
    if (phase_ == Phase::Finished)
        return;
    if (phase_ == Phase::Pending) {
        drop("cancelled before it started");
        return;
    }
    spdlog::info("cancel requested");
    cancel_ = true;
}

void Transaction::drop(const std::string& why) {
    if (phase_ != Phase::Pending)
        return;
    LogTransactionScope scope(id_);
    spdlog::info("dropped: {}", why);
    finish(false, "", bus_error_name(deploy::ErrorKind::Cancelled),
           fmt::format("transaction {} dropped: {}", id_, why));
}

// Worker thread: the engine runs here; only post() reaches back to the loop.
void Transaction::run_worker() {
    LogTransactionScope scope(id_);
    Progress progress(context_.loop, weak_from_this(), cancel_);
    bool success = false;
    std::string result, error_name, error_message;
    try {
        auto sysroot = deploy::sysroot::Sysroot::open(context_.sysroot);
        result = request_.run(sysroot, progress).dump();
        success = true;
    } catch (const deploy::Error& e) {
        error_name = bus_error_name(e.kind());
        error_message = e.what();
    } catch (const std::exception& e) {
        error_name = bus_error_name(deploy::ErrorKind::Failed);
        error_message = e.what();
    }
    if (success)
        spdlog::info("{} succeeded", request_.operation);
    else
        spdlog::warn("{} failed: {}: {}", request_.operation, error_name, error_message);
    context_.loop.post([weak = weak_from_this(), success, result = std::move(result),
                        error_name = std::move(error_name),
                        error_message = std::move(error_message)]() mutable {
        if (auto tx = weak.lock()) {
            if (tx->worker_.joinable())
                tx->worker_.join();
            tx->finish(success, std::move(result), std::move(error_name), std::move(error_message));
        }
    });
}

void Transaction::finish(bool success, std::string result, std::string error_name,
                         std::string error_message) {
    phase_ = Phase::Finished;
    // What the work held (e.g. the callers' package file descriptors) goes now, not when the
    // kept result expires.
    request_.run = nullptr;
    success_ = success;
    result_ = std::move(result);
    error_name_ = std::move(error_name);
    error_message_ = std::move(error_message);
    try {
        signal_clients("Finished", success_, error_name_, error_message_);
        properties_changed({"State", "Finished", "Success", "Result", "ErrorName", "ErrorMessage"});
    } catch (const std::exception& e) {
        spdlog::warn("cannot emit Finished: {}", e.what());
    }
    context_.on_phase_change(*this);
}

}  // namespace deployd
