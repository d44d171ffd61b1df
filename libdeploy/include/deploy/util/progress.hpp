// How the engine reports progress and learns about cancellation: the library never prints.
// The CLI renders these as bars or lines; the daemon turns them into D-Bus signals.
#pragma once

#include <string>

namespace deploy {

class Progress {
  public:
    virtual ~Progress() = default;
    // A line for the user ("Pulled 120 objects", "etc conflict: etc/hosts").
    virtual void message(const std::string& text) { (void)text; }
    virtual void task_begin(const std::string& task) { (void)task; }
    virtual void task_end(const std::string& task) { (void)task; }
    // Percent (0-100) of a named stage ("checkout", "pull", ...).
    virtual void percent(const std::string& stage, int value) {
        (void)stage;
        (void)value;
    }
    // Polled at safe points; when true the engine stops with CancelledError and rolls back.
    virtual bool cancel_requested() const { return false; }
};

// Throws CancelledError when the sink asks for it. Call only at points where stopping leaves
// nothing behind that the next run would not clean up.
void check_cancel(const Progress& progress);

// Begins a task on construction and ends it on destruction.
class ProgressTask {
  public:
    ProgressTask(Progress& progress, std::string name)
        : progress_(progress), name_(std::move(name)) {
        progress_.task_begin(name_);
    }
    ~ProgressTask() { progress_.task_end(name_); }
    ProgressTask(const ProgressTask&) = delete;
    ProgressTask& operator=(const ProgressTask&) = delete;

  private:
    Progress& progress_;
    std::string name_;
};

}  // namespace deploy
