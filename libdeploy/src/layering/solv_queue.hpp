// RAII owner of a libsolv Queue (cf. dnf5 libdnf5/solv/id_queue.hpp).
#pragma once

extern "C" {
#include <solv/queue.h>
}

namespace deploy::layering::solv {

class IdQueue {
  public:
    IdQueue() { queue_init(&queue_); }
    ~IdQueue() { queue_free(&queue_); }
    IdQueue(const IdQueue&) = delete;
    IdQueue& operator=(const IdQueue&) = delete;

    void push(Id id) { queue_push(&queue_, id); }
    void push2(Id a, Id b) { queue_push2(&queue_, a, b); }
    void clear() { queue_empty(&queue_); }
    int size() const noexcept { return queue_.count; }
    Id operator[](int i) const { return queue_.elements[i]; }
    Id& operator[](int i) { return queue_.elements[i]; }
    ::Queue* get() noexcept { return &queue_; }

  private:
    ::Queue queue_;
};

}  // namespace deploy::layering::solv
