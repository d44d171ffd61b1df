#!/bin/sh
# Configures and builds the clang fuzz build: build.sh SOURCE_DIR BUILD_DIR.
# Used by the fuzz/build CTest test and scripts/fuzz.sh. Only the fuzzers are built (the
# parsers' sources and libdeploy/src/util, sanitized); warnings are not fatal for others' code
# here, the g++ build enforces them.
set -eu
src=$1 build=$2
if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DDEPLOYD_FUZZ=ON -DDEPLOYD_WERROR=OFF -DBUILD_TESTING=ON >"$build.configure.log" 2>&1 ||
        { cat "$build.configure.log" >&2; exit 1; }
fi
nice cmake --build "$build" --target deployd_fuzzers
