#!/bin/sh
# The full test suite: dependencies, build, unit tests, CLI scenarios, daemon tests.
set -eu
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
