#!/bin/sh
# Longer fuzzing than CI's: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 300 s, all targets)
# Builds the clang fuzz build in build/fuzz, then runs each target for SECONDS, one after the
# other, in build/fuzz/runs/<target>. The corpus grows there across runs (seeded from
# tests/fuzz/corpus/<target>, regression inputs replayed first); a crash's input is saved to
# build/fuzz/crashes/<target>/ and the script goes on with the next target, exiting 1 at the end.
# Fix the parser, then move the input to tests/fuzz/regressions/<target>/.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-"dirtree dirmeta commit bls_entry kernel_args origin treefile repo_file deployd_conf"}
./scripts/install-deps.sh
tests/fuzz/build.sh "$PWD" "$PWD/build/fuzz"
failed=""
for t in $targets; do
    run=build/fuzz/runs/$t
    mkdir -p "$run/corpus" "$run/artifacts" "build/fuzz/crashes/$t"
    cp -n tests/fuzz/corpus/"$t"/* "$run/corpus/"
    set -- "$run/corpus"
    [ -d "tests/fuzz/regressions/$t" ] && set -- "$@" "tests/fuzz/regressions/$t"
    [ -f "tests/fuzz/dict/$t.dict" ] && set -- "-dict=tests/fuzz/dict/$t.dict" "$@"
    echo "--- $t: ${seconds}s"
    rc=0
    "build/fuzz/bin/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build/fuzz/crashes/$t/" "$@" \
        >"$run/log" 2>&1 || rc=$?
    tail -n 3 "$run/log"
    if [ "$rc" -ne 0 ]; then
        grep -m1 -E 'ERROR|runtime error|invariant failed|terminate called' "$run/log" || true
        echo "CRASH in $t (log: $run/log, input: build/fuzz/crashes/$t/)"
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "crashes in:$failed" >&2
    exit 1
fi
echo "no crashes in ${seconds}s per target"
