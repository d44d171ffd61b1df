#include "logging.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-journal.h>

namespace deployd {

namespace {

thread_local std::string t_transaction;

std::string transaction_prefix() {
    return t_transaction.empty() ? std::string() : "[tx " + t_transaction + "] ";
}

// %* in a pattern: "[tx <id>] " when a transaction is current, nothing otherwise.
class TransactionFlag : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg&, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        auto prefix = transaction_prefix();
        dest.append(prefix.data(), prefix.data() + prefix.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<TransactionFlag>();
    }
};

int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return LOG_DEBUG;
        case spdlog::level::info:
            return LOG_INFO;
        case spdlog::level::warn:
            return LOG_WARNING;
        case spdlog::level::err:
            return LOG_ERR;
        case spdlog::level::critical:
            return LOG_CRIT;
        default:
            return LOG_INFO;
    }
}

class JournalSink : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        std::string text = transaction_prefix();
        text.append(msg.payload.data(), msg.payload.size());
        if (t_transaction.empty()) {
            sd_journal_send("MESSAGE=%s", text.c_str(), "PRIORITY=%i", syslog_priority(msg.level),
                            "SYSLOG_IDENTIFIER=deployd", nullptr);
        } else {
            sd_journal_send("MESSAGE=%s", text.c_str(), "PRIORITY=%i", syslog_priority(msg.level),
                            "SYSLOG_IDENTIFIER=deployd", "DEPLOYD_TRANSACTION=%s",
                            t_transaction.c_str(), nullptr);
        }
    }
    void flush_() override {}
};

// systemd sets JOURNAL_STREAM=<dev>:<ino> of the stream it connected; trust it only when stderr
// still is that stream (a child with redirected stderr must not log to the journal).
bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0)
        return false;
    return st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

void setup_logging(bool debug) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        logger = std::make_shared<spdlog::logger>("deployd", std::make_shared<JournalSink>());
    } else {
        logger = std::make_shared<spdlog::logger>(
            "deployd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<TransactionFlag>('*').set_pattern("deployd[%P]: %l: %*%v");
        logger->set_formatter(std::move(formatter));
    }
    spdlog::set_default_logger(logger);
    spdlog::set_level(debug ? spdlog::level::debug : spdlog::level::info);
    spdlog::flush_on(spdlog::level::trace);
}

LogTransactionScope::LogTransactionScope(const std::string& id) : previous_(t_transaction) {
    t_transaction = id;
}

LogTransactionScope::~LogTransactionScope() {
    t_transaction = previous_;
}

}  // namespace deployd
