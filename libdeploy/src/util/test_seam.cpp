#include "deploy/util/test_seam.hpp"

#include <stdlib.h>

namespace deploy {

bool test_seams_enabled() noexcept {
#if DEPLOYD_TEST_SEAMS
    return true;
#else
    return false;
#endif
}

const char* test_seam(const char* name) noexcept {
    if (!test_seams_enabled())
        return nullptr;
    const char* value = ::secure_getenv(name);
    return value && *value ? value : nullptr;
}

}  // namespace deploy
