#include "deploy/util/fault.hpp"

#include "deploy/util/test_seam.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace deploy {

void fault_point(const char* name) {
    if (const char* log = test_seam("DEPLOYD_FAULT_LOG")) {
        if (FILE* f = std::fopen(log, "a")) {
            std::fprintf(f, "%s\n", name);
            std::fclose(f);
        }
    }
    if (const char* delay = test_seam("DEPLOYD_FAULT_DELAY_MS")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay)));
    }
    if (const char* kill_at = test_seam("DEPLOYD_FAULT_KILL_AT")) {
        if (std::strcmp(kill_at, name) == 0) {
            ::kill(::getpid(), SIGKILL);
        }
    }
}

}  // namespace deploy
