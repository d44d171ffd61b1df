#!/bin/sh
# Status latency through deployd and the idle daemon's memory (not a timed test).
#   bench/daemon_status.sh [BUILD_DIR]   (default: build)
# Starts a private bus and a daemon on a throw-away sysroot, then prints the median of 50
# `deployctl status --json` calls (whole client run: connect, call, render) and of 50 bare
# GetStatus calls (busctl) against Ping (process start-up + bus), plus VmRSS of the idle daemon. Targets: status < 20 ms, RSS < 15 MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
DEPLOYCTL=$(cd "$build/bin" && pwd)/deployctl
DEPLOYD=$(cd "$build/bin" && pwd)/deployd
TESTS_DIR=$here/../tests
export DEPLOYCTL DEPLOYD TESTS_DIR
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon

now_ns() { date +%s%N; }
# median_ms CMD...: runs CMD 50 times, prints the median wall time in ms.
median_ms() {
    i=0
    : >"$WORK/times"
    while [ $i -lt 50 ]; do
        t0=$(now_ns)
        "$@" >/dev/null
        t1=$(now_ns)
        echo $(((t1 - t0) / 1000)) >>"$WORK/times"
        i=$((i + 1))
    done
    sort -n "$WORK/times" | sed -n 25p | awk '{printf "%.2f", $1 / 1000}'
}

dctl status --json >/dev/null  # warm up
cli=$(median_ms dctl status --json)
raw=$(median_ms busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.deployd.Deploy1 GetStatus)
# The same round trip without work in the daemon: what process start-up and the bus cost.
ping=$(median_ms busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.freedesktop.DBus.Peer Ping)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$DAEMON_PID/status")
echo "status latency (median of 50): deployctl status --json ${cli} ms"
echo "  GetStatus via busctl ${raw} ms, Ping via busctl ${ping} ms" \
    "(daemon-side cost ~ $(echo "$raw $ping" | awk '{printf "%.2f", $1 - $2}') ms)"
echo "idle daemon VmRSS: $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MB (${rss} kB)"
