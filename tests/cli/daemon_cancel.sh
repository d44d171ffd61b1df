#!/bin/sh
# Cancel stops a running transaction at a safe point and leaves the sysroot as it was: via
# deployctl's Ctrl-C (SIGINT) and via the Transaction's Cancel() from another client.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon DEPLOYD_FAULT_DELAY_MS=300
commit_version 2
before=$(snapshot)

active() { bus_prop ActiveTransaction | grep -q Transaction; }
running() {
    path=$(bus_prop ActiveTransaction | sed 's/^o "\(.*\)"$/\1/')
    busctl --address="$BUS" get-property org.deployd.Deploy1 "$path" \
        org.deployd.Deploy1.Transaction State | grep -q running
}

# 1. Ctrl-C in deployctl becomes Cancel().
"$DEPLOYCTL" --bus-address "$BUS" upgrade >"$WORK/out" 2>"$WORK/err" &
client=$!
wait_for running
sleep 0.5
kill -INT $client
set +e; wait $client; rc=$?; set -e
[ $rc = 1 ] || fail "cancelled upgrade exit $rc"
grep -q "^error: .*cancel" "$WORK/err" || fail "cancel message: $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "more than one error line: $(cat "$WORK/err")"
wait_for sh -c "! busctl --address='$BUS' get-property org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 ActiveTransaction | grep -q Transaction"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by a cancelled upgrade"

# 2. Cancel() from another client (root); the result stays readable.
"$DEPLOYCTL" --bus-address "$BUS" upgrade >"$WORK/out" 2>"$WORK/err" &
client=$!
wait_for running
path=$(bus_prop ActiveTransaction | sed 's/^o "\(.*\)"$/\1/')
busctl --address="$BUS" call org.deployd.Deploy1 "$path" org.deployd.Deploy1.Transaction Cancel
set +e; wait $client; rc=$?; set -e
[ $rc = 1 ] || fail "upgrade cancelled by another client: exit $rc"
busctl --address="$BUS" get-property org.deployd.Deploy1 "$path" org.deployd.Deploy1.Transaction \
    ErrorName | grep -q "org.deployd.Deploy1.Error.Cancelled" || fail "ErrorName after cancel"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by a cancelled upgrade"

# And the next upgrade still works.
dctl upgrade | grep -q "^Deployed 2" || fail "upgrade after cancels"
echo "daemon_cancel: ok"
