#!/bin/sh
# Installs the build dependencies (Debian 12) and builds everything into build/.
# The binaries land at build/bin/deployctl and build/bin/deployd.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DDEPLOYD_WERROR=ON
cmake --build build
