#!/bin/sh
# Every bad bus argument is org.deployd.Deploy1.Error.Invalid with a message, the daemon survives
# all of them, and nothing is queued or changed.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon
before=$(snapshot)

call() {
    busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 "$@"
}
# invalid METHOD SIG ARGS...: the call must fail with Error.Invalid.
invalid() {
    if call "$@" >"$WORK/out" 2>"$WORK/err"; then
        fail "accepted: $*"
    fi
    # busctl prints the message; the name is checked through the journal-free log below.
    [ -s "$WORK/err" ] || fail "no error message for: $*"
}

invalid Rebase s ""
invalid Rebase s "../etc"
invalid Rebase s "origin:../x"
invalid Rebase s "bad remote:ref"
invalid Rebase s "origin:a//b"
invalid Rebase s "$(printf 'x\001y')"
invalid Deploy s ""
invalid Deploy s "1 2"
invalid Deploy s "a/b"
invalid KernelArgs asasas 1 "deploy=/x" 0 0
invalid KernelArgs asasas 1 "a b" 0 0
invalid KernelArgs asasas 1 "=x" 0 0
invalid KernelArgs asasas 1 'q="x' 0 0
invalid KernelArgs asasas 0 0 1 "noequals"
invalid Pin ub 4294967295 true
invalid RemoteAdd ss "bad/name" "file:///tmp"
invalid RemoteAdd ss "" "file:///tmp"
invalid RemoteAdd ss "ok" "ftp://example.com"
invalid RemoteAdd ss "ok" "file:///has space"
# Wrong signatures are refused by the bus layer.
invalid Pin s "zero"
invalid Upgrade s "yes"

# Through deployctl: one line, exit 1, the daemon's message.
expect_fail 1 "^error: invalid remote URL 'ftp://x'" dctl remote add x ftp://x
expect_fail 1 "^error: .*deploy.* is managed by deployd" dctl kargs --append deploy=/x
expect_fail 1 "^error: " dctl rebase "nope:"

# A valid name that does not exist: NotFound from the engine, as a transaction error.
expect_fail 1 "^error: " dctl deploy 0123456789abcdef

# The error name on the bus is Invalid (use the typed reply through busctl's JSON output).
call Rebase s "../x" 2>&1 | grep -q "invalid" || fail "Rebase ../x message"
dbus-send --bus="$BUS" --print-reply --dest=org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.deployd.Deploy1.Rebase string:"../x" 2>"$WORK/err" && fail "dbus-send accepted ../x"
grep -q "org.deployd.Deploy1.Error.Invalid" "$WORK/err" || fail "error name: $(cat "$WORK/err")"

kill -0 "$DAEMON_PID" || fail "deployd died"
bus_prop ActiveTransaction | grep -q '"/"' || fail "a bad call left a transaction"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by bad calls"
echo "daemon_bad_args: ok"
