// Runs a function over the indices [0, n) on all cores; the first exception is rethrown.
#pragma once

#include <cstddef>
#include <functional>

namespace deploy {

void parallel_for(size_t n, const std::function<void(size_t)>& fn);
unsigned worker_count();

}  // namespace deploy
