# Shared set-up of the daemon scenarios (tests/cli/daemon_*.sh): a private dbus-daemon, a temp
# sysroot deployed from a tiny local repo, and deployd on it. Sourced, POSIX sh.
#   Env in: DEPLOYCTL, DEPLOYD, TESTS_DIR (from CTest).
#   Provides: $WORK $SYSROOT $SRCREPO $BUS $CMDLINE, start_daemon [env...], stop_daemon,
#             dctl (deployctl through the daemon), lctl (in-process), commit_version V,
#             fail MSG, expect_fail CODE PATTERN cmd..., wait_for CMD, bus_prop NAME.
set -eu

: "${DEPLOYCTL:?}" "${DEPLOYD:?}" "${TESTS_DIR:?}"
WORK=$(mktemp -d /tmp/deployd-test.XXXXXX)
chmod 755 "$WORK"
SYSROOT=$WORK/sysroot
SRCREPO=$WORK/src-repo
CMDLINE=$WORK/cmdline
BUS_PID=""
DAEMON_PID=""

fail() {
    echo "FAIL: $*" >&2
    if [ -f "$WORK/deployd.log" ]; then
        echo "--- deployd log:" >&2
        tail -n 40 "$WORK/deployd.log" >&2
    fi
    exit 1
}

cleanup_fixture() {
    [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null || true
    [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup_fixture EXIT

lctl() { "$DEPLOYCTL" --sysroot "$SYSROOT" --cmdline-file "$CMDLINE" "$@"; }
dctl() { "$DEPLOYCTL" --bus-address "$BUS" "$@"; }

# commit_version V: commits a tiny deployable tree as version V on branch os/stable.
commit_version() {
    tree=$WORK/tree-$1
    mkdir -p "$tree/usr/lib/modules/6.1.0" "$tree/etc" "$tree/usr/bin"
    echo "kernel $1" >"$tree/usr/lib/modules/6.1.0/vmlinuz"
    echo "initramfs $1" >"$tree/usr/lib/modules/6.1.0/initramfs.img"
    echo "version=$1" >"$tree/etc/os-release"
    echo "127.0.0.1 localhost" >"$tree/etc/hosts"
    echo "tool $1" >"$tree/usr/bin/tool"
    "$DEPLOYCTL" repo commit --repo "$SRCREPO" --branch os/stable --version "$1" "$tree" >/dev/null
}

# A sysroot tracking file://$SRCREPO os/stable, deployed at version 1.
make_sysroot() {
    "$DEPLOYCTL" repo init --repo "$SRCREPO" >/dev/null
    commit_version 1
    : >"$CMDLINE"
    lctl init --os testos >/dev/null
    lctl remote add origin "file://$SRCREPO" >/dev/null
    lctl rebase origin:os/stable >/dev/null
}

start_bus() {
    BUS=$(dbus-daemon --config-file="$TESTS_DIR/daemon/test-bus.conf" --print-address=1 \
        --print-pid=3 --fork 3>"$WORK/bus.pid")
    BUS_PID=$(cat "$WORK/bus.pid")
    export DBUS_SESSION_BUS_ADDRESS="$BUS"
}

# start_daemon [VAR=value...] [-- deployd args...]: starts deployd in the background and waits
# until it owns its name.
# (VAR=value words have no spaces.)
start_daemon() {
    vars=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        vars="$vars $1"
        shift
    done
    [ $# -gt 0 ] && shift
    # shellcheck disable=SC2086
    env $vars "$DEPLOYD" --sysroot "$SYSROOT" --bus-address "$BUS" --cmdline-file "$CMDLINE" \
        --idle-exit 0 "$@" >>"$WORK/deployd.log" 2>&1 &
    DAEMON_PID=$!
    i=0
    while ! busctl --address="$BUS" status org.deployd.Deploy1 >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "deployd did not come up"
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "deployd exited at start-up"
        sleep 0.1
    done
}

stop_daemon() {
    if [ -n "$DAEMON_PID" ]; then
        kill "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
        DAEMON_PID=""
    fi
}

# bus_prop NAME: a property of the manager, in busctl's "TYPE VALUE" form.
bus_prop() {
    busctl --address="$BUS" get-property org.deployd.Deploy1 /org/deployd/Deploy1 \
        org.deployd.Deploy1 "$1"
}

# wait_for CMD...: retries CMD for up to 10 s.
wait_for() {
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "timed out waiting for: $*"
        sleep 0.1
    done
}

# expect_fail CODE PATTERN cmd...: cmd must exit CODE with PATTERN (grep -E) on stderr.
expect_fail() {
    code=$1 pattern=$2
    shift 2
    set +e
    "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    [ "$rc" = "$code" ] || fail "expected exit $code, got $rc from: $* ($(cat "$WORK/err"))"
    grep -Eq "$pattern" "$WORK/err" || fail "expected /$pattern/ in stderr of $*: $(cat "$WORK/err")"
    [ "$(wc -l <"$WORK/err")" -le 1 ] || fail "more than one error line from $*: $(cat "$WORK/err")"
}

# Status of the sysroot as the engine sees it (for before/after comparisons).
snapshot() {
    lctl status --json
    ls "$SYSROOT/deploy/testos" | sort
    ls -la "$SYSROOT/boot" | awk '{print $NF}' | sort
}

start_bus
make_sysroot
