#include "deploy/util/progress.hpp"

#include "deploy/error.hpp"

namespace deploy {

void check_cancel(const Progress& progress) {
    if (progress.cancel_requested()) {
        throw CancelledError();
    }
}

}  // namespace deploy
