#!/bin/sh
# The full test suite: dependencies, build, unit tests, CLI scenarios, daemon tests, fuzzing,
# the Debian package. The VM boot tests (label vm: debootstrap, QEMU) run when
# DEPLOYD_VM_TESTS=1 (see README, "Tests"): they do not pass in the guest yet.
set -eu
cd "$(dirname "$0")/.."
./scripts/build.sh
if [ "${DEPLOYD_VM_TESTS:-0}" = 1 ]; then
    exec ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
fi
exec ctest --test-dir build --output-on-failure -j "$(nproc)" -LE vm "$@"
