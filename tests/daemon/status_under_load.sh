#!/bin/sh
# Root's status latency while unprivileged users hammer the daemon (a measurement, not a test).
#   tests/daemon/status_under_load.sh [BUILD_DIR] [METHOD] [LOOPS]   (build, EtcDiff, 16)
# Starts a private bus and deployd on a throw-away sysroot (with 200 files in /etc), then prints
# the median and 90th percentile of 30 root `GetStatus` calls (busctl), idle and while LOOPS
# shell loops as nobody call METHOD back to back.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
method=${2:-EtcDiff}
loops=${3:-16}
DEPLOYCTL=$(cd "$build/bin" && pwd)/deployctl
DEPLOYD=${DEPLOYD:-$(cd "$build/bin" && pwd)/deployd}  # override to compare builds
TESTS_DIR=$here/..
export DEPLOYCTL DEPLOYD TESTS_DIR
. "$TESTS_DIR/daemon/fixture.sh"
etc=$(ls -d "$SYSROOT"/deploy/testos/*.0)/etc
mkdir -m 700 "$etc/private"
i=0
while [ $i -lt 200 ]; do
    echo "$i" >"$etc/private/file-$i"
    i=$((i + 1))
done
start_daemon

now_ns() { date +%s%N; }
# latency [DEST PATH IFACE METHOD]: 30 root calls (default GetStatus); prints median and p90.
latency() {
    : >"$WORK/times"
    i=0
    while [ $i -lt 30 ]; do
        t0=$(now_ns)
        busctl --address="$BUS" call "${1:-org.deployd.Deploy1}" "${2:-/org/deployd/Deploy1}" \
            "${3:-org.deployd.Deploy1}" "${4:-GetStatus}" >/dev/null
        t1=$(now_ns)
        echo $(((t1 - t0) / 1000)) >>"$WORK/times"
        i=$((i + 1))
    done
    sort -n "$WORK/times" | awk '{a[NR] = $1} END {printf "median %.1f ms, p90 %.1f ms", a[15] / 1000, a[27] / 1000}'
}

# The same round trip to the bus driver: what process start-up and CPU contention cost alone.
driver() { latency org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId; }
# cpu_ms PID: user+system CPU time of PID so far.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
idle=$(latency)
idle_driver=$(driver)
pids=""
i=0
while [ $i -lt "$loops" ]; do
    setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "while :; do busctl --address='$BUS' \
        call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 $method >/dev/null 2>&1; done" &
    pids="$pids $!"
    i=$((i + 1))
done
sleep 2
cpu0=$(cpu_ms "$DAEMON_PID")
t0=$(now_ns)
loaded=$(latency)
loaded_driver=$(driver)
cpu1=$(cpu_ms "$DAEMON_PID")
t1=$(now_ns)
# shellcheck disable=SC2086
kill $pids 2>/dev/null || true
echo "root GetStatus idle: $idle; with $loops nobody $method loops: $loaded"
echo "  (bus driver GetId, no deployd: idle $idle_driver; loaded $loaded_driver)"
echo "  deployd CPU while loaded: $((cpu1 - cpu0)) ms in $(((t1 - t0) / 1000000)) ms"
echo "deployd log: $(grep -c 'rate limited' "$WORK/deployd.log" || true) rate-limited, $(grep -c 'denied' "$WORK/deployd.log" || true) denied calls"
