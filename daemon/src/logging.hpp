// deployd's logs: spdlog into the journal (native protocol, with a DEPLOYD_TRANSACTION= field)
// when stderr is connected to it (JOURNAL_STREAM), plain lines on stderr otherwise. Every line
// logged while a transaction is current on the thread carries "[tx <id>]", engine logs included.
#pragma once

#include <string>

namespace deployd {

void setup_logging(bool debug);

// Makes `id` the current transaction of this thread for its lifetime.
class LogTransactionScope {
  public:
    explicit LogTransactionScope(const std::string& id);
    ~LogTransactionScope();
    LogTransactionScope(const LogTransactionScope&) = delete;
    LogTransactionScope& operator=(const LogTransactionScope&) = delete;

  private:
    std::string previous_;
};

}  // namespace deployd
