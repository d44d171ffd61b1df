// Environment seams for tests (DEPLOYD_FAULT_*, DEPLOYD_RPM_HELPER, DEPLOYD_TEST_*): they let a
// test kill the process at a named point or fake /boot's free space, which must never be possible
// against an installed root daemon. They are read with secure_getenv (never in a setuid/AT_SECURE
// process) and only when the build enabled them (CMake option DEPLOYD_TEST_SEAMS, OFF for
// packages).
#pragma once

namespace deploy {

// The value of the seam variable `name`, or nullptr when unset, empty or seams are compiled out.
const char* test_seam(const char* name) noexcept;

// Whether this build reads seams at all.
bool test_seams_enabled() noexcept;

}  // namespace deploy
