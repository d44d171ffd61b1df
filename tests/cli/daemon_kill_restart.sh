#!/bin/sh
# deployd killed (-9) in the middle of a transaction: the client reports it in one line, the
# sysroot is as it was, and the restarted daemon cleans the leftovers and says so in its log.
# SIGTERM instead cancels the transaction cleanly and tells the client.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon DEPLOYD_FAULT_DELAY_MS=300
commit_version 2
before=$(snapshot)

"$DEPLOYCTL" --bus-address "$BUS" upgrade >"$WORK/out" 2>"$WORK/err" &
client=$!
wait_for grep -q "Deploying testos 2" "$WORK/deployd.log"
sleep 0.7
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
set +e; wait $client; rc=$?; set -e
[ $rc = 1 ] || fail "client exit $rc after the daemon died: $(cat "$WORK/err")"
grep -q "^error: deployd exited before transaction" "$WORK/err" || fail "client message: $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "more than one error line: $(cat "$WORK/err")"

# Before the restart: the old boot configuration is live.
lctl status --json >"$WORK/status-after-kill"
[ "$(lctl status --json | grep -c '"id"')" = 1 ] || fail "a half deployment is live"

start_daemon
grep -q "removed leftover of an interrupted operation" "$WORK/deployd.log" ||
    fail "restart did not clean (or log) leftovers"
[ "$(snapshot)" = "$before" ] || fail "sysroot differs after restart: $(snapshot)"
[ "$(dctl status --json)" = "$(lctl status --json)" ] || fail "status inconsistent"

# And it works afterwards.
dctl upgrade | grep -q "^Deployed 2" || fail "upgrade after restart"
stop_daemon

# SIGTERM (systemctl stop) mid-transaction: cancelled at a safe point, the client is told so.
commit_version 3
before=$(snapshot)
start_daemon DEPLOYD_FAULT_DELAY_MS=300
"$DEPLOYCTL" --bus-address "$BUS" upgrade >"$WORK/out" 2>"$WORK/err" &
client=$!
wait_for grep -q "Deploying testos 3" "$WORK/deployd.log"
kill -TERM "$DAEMON_PID"
set +e; wait "$DAEMON_PID"; drc=$?; wait $client; rc=$?; set -e
DAEMON_PID=""
[ $drc = 0 ] || fail "deployd exit $drc after SIGTERM"
[ $rc = 1 ] || fail "client exit $rc after SIGTERM"
grep -q "^error: operation cancelled" "$WORK/err" || fail "client after SIGTERM: $(cat "$WORK/err")"
grep -q "shutting down: cancelling upgrade" "$WORK/deployd.log" || fail "shutdown not logged"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by a cancelled (SIGTERM) upgrade"
echo "daemon_kill_restart: ok"
