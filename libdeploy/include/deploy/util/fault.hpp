// Fault-injection seam for crash-safety tests. Production behaviour is unchanged unless one of
// these environment variables is set:
//   DEPLOYD_FAULT_DELAY_MS=N       sleep N ms at every fault point (so a random kill -9 lands
//   mid-way) DEPLOYD_FAULT_KILL_AT=NAME     SIGKILL ourselves when the fault point NAME is reached
//   DEPLOYD_FAULT_LOG=FILE         append every fault point name reached to FILE
#pragma once

namespace deploy {

void fault_point(const char* name);

}  // namespace deploy
