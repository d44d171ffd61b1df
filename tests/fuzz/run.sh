#!/bin/sh
# Runs one fuzzer for a bounded time: run.sh FUZZER SECONDS SEED_CORPUS REGRESSIONS WORK_DIR.
# The seeds are copied to WORK_DIR/corpus (libFuzzer adds what it finds to its first corpus
# directory; the checked-in seeds stay as they are); the regression inputs are replayed first
# as a read-only second corpus. A crash leaves its input in WORK_DIR/artifacts and fails.
set -eu
fuzzer=$1 seconds=$2 seeds=$3 regressions=$4 work=$5
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
set -- "$work/corpus"
[ -d "$regressions" ] && set -- "$@" "$regressions"
dict="$(dirname "$0")/dict/$(basename "$fuzzer" _fuzz).dict"
[ -f "$dict" ] && set -- "-dict=$dict" "$@"
rc=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$@" >"$work/log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$work/log"
    echo "FAIL: $(basename "$fuzzer") found a crash (exit $rc): $(ls "$work/artifacts")" >&2
    echo "fix the parser, then add the input to tests/fuzz/regressions/$(basename "$fuzzer" _fuzz)/" >&2
    exit 1
fi
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+.*DONE' "$work/log" || true
echo "ok: $(basename "$fuzzer"): no crash in ${seconds}s; corpus $(find "$work/corpus" -type f | wc -l) inputs"
