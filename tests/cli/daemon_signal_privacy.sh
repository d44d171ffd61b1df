#!/bin/sh
# A transaction's signals go to its own clients only. While root upgrades, nobody listens with a
# plain match rule (gdbus monitor) and tries to eavesdrop (dbus-monitor: BecomeMonitor, then
# eavesdrop match rules) and a second root connection listens with a plain match rule: none of
# them gets a single Transaction signal, while root's deployctl gets them all (its progress
# messages and Finished). A root monitor (BecomeMonitor) shows what was sent: unicast signals,
# each addressed to the client.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon DEPLOYD_FAULT_DELAY_MS=50
commit_version 2

# setpriv execs its command, so $! is the listener itself.
as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
listeners=""
$as_nobody gdbus monitor --address "$BUS" --dest org.deployd.Deploy1 >"$WORK/nobody.gdbus" 2>&1 &
listeners="$listeners $!"
$as_nobody dbus-monitor --address "$BUS" >"$WORK/nobody.monitor" 2>&1 &
listeners="$listeners $!"
gdbus monitor --address "$BUS" --dest org.deployd.Deploy1 >"$WORK/root.gdbus" 2>&1 &
listeners="$listeners $!"
dbus-monitor --address "$BUS" --monitor >"$WORK/root.monitor" 2>&1 &
listeners="$listeners $!"
# Each listener is connected once the bus announced its name (NameOwnerChanged to the others).
wait_for grep -q "Monitoring signals" "$WORK/nobody.gdbus"
wait_for grep -q "Monitoring signals" "$WORK/root.gdbus"
wait_for grep -q "NameAcquired\|monitor" "$WORK/root.monitor"
sleep 0.5

dctl upgrade >"$WORK/out" 2>&1 || fail "root's upgrade failed: $(cat "$WORK/out")"
grep -q "^Deployed 2 " "$WORK/out" || fail "upgrade output: $(cat "$WORK/out")"
grep -q "Pulled origin:os/stable" "$WORK/out" || fail "client missed its progress messages"
sleep 0.5
# shellcheck disable=SC2086
kill $listeners 2>/dev/null || true
# shellcheck disable=SC2086
wait $listeners 2>/dev/null || true

# What was sent: Transaction signals, every one with a destination (unicast).
tx_signals() { grep -E "^signal .*path=/org/deployd/Deploy1/Transaction/" "$1" || true; }
tx_signals "$WORK/root.monitor" >"$WORK/sent"
grep -q "member=Message" "$WORK/sent" || fail "root monitor saw no Message: $(head -c 2000 "$WORK/root.monitor")"
grep -q "member=Finished" "$WORK/sent" || fail "root monitor saw no Finished"
grep -q "member=PropertiesChanged" "$WORK/sent" || fail "root monitor saw no PropertiesChanged"
if grep -q "destination=(null destination)" "$WORK/sent"; then
    fail "a transaction signal was broadcast: $(grep 'null destination' "$WORK/sent" | head -3)"
fi
[ "$(sed -n 's/.*destination=\([^ ]*\) .*/\1/p' "$WORK/sent" | sort -u | wc -l)" = 1 ] ||
    fail "signals went to more than the one client: $(cat "$WORK/sent")"

# Nobody else heard them (with a positive control: the manager's public PropertiesChanged, a
# broadcast, did reach the plain listeners, so they were listening).
for f in nobody.gdbus root.gdbus; do
    grep -q "^/org/deployd/Deploy1: org.freedesktop.DBus.Properties.PropertiesChanged" "$WORK/$f" ||
        fail "$f: not listening (no manager PropertiesChanged): $(cat "$WORK/$f")"
    if grep -q "^/org/deployd/Deploy1/Transaction/" "$WORK/$f"; then
        fail "$f received transaction signals: $(grep '^/org/deployd/Deploy1/Transaction/' "$WORK/$f" | head -3)"
    fi
done
grep -q "path=/org/deployd/Deploy1; interface=org.freedesktop.DBus.Properties" "$WORK/nobody.monitor" ||
    fail "nobody's dbus-monitor was not listening: $(head -c 2000 "$WORK/nobody.monitor")"
[ -z "$(tx_signals "$WORK/nobody.monitor")" ] ||
    fail "nobody eavesdropped transaction signals: $(tx_signals "$WORK/nobody.monitor" | head -3)"
echo "daemon_signal_privacy: ok"
