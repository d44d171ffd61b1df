#!/bin/sh
# Lifecycle: idle exit (never while a transaction runs), the configuration file (unknown keys and
# values refused with a clear error), AutomaticUpdatePolicy.
. "$TESTS_DIR/daemon/fixture.sh"

# Idle exit after --idle-exit seconds.
"$DEPLOYD" --sysroot "$SYSROOT" --bus-address "$BUS" --cmdline-file "$CMDLINE" --idle-exit 1 \
    >>"$WORK/deployd.log" 2>&1 &
pid=$!
wait_for busctl --address="$BUS" status org.deployd.Deploy1
i=0
while kill -0 $pid 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 50 ] || fail "deployd did not exit when idle"
    sleep 0.1
done
wait $pid || fail "idle exit status $?"
grep -q "idle for 1 s, exiting" "$WORK/deployd.log" || fail "idle exit not logged"

# Not while a transaction runs (the upgrade takes longer than the idle timeout).
commit_version 2
cat >"$WORK/deployd.conf" <<CONF
# test
[Daemon]
IdleExitTimeout=1
AutomaticUpdatePolicy=check
CONF
DEPLOYD_FAULT_DELAY_MS=300 "$DEPLOYD" --sysroot "$SYSROOT" --bus-address "$BUS" \
    --cmdline-file "$CMDLINE" --config "$WORK/deployd.conf" >>"$WORK/deployd.log" 2>&1 &
pid=$!
wait_for busctl --address="$BUS" status org.deployd.Deploy1
bus_prop AutomaticUpdatePolicy | grep -q '"check"' || fail "AutomaticUpdatePolicy from the config"
dctl upgrade | grep -q "^Deployed 2" || fail "upgrade across the idle timeout"
# AutomaticUpdateTrigger with policy check starts at once (no Start() needed).
commit_version 3
busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 \
    AutomaticUpdateTrigger >"$WORK/out"
grep -q '^bo true "/org/deployd/Deploy1/Transaction/' "$WORK/out" || fail "trigger: $(cat "$WORK/out")"
wait_for grep -q "Update available\|upgrade succeeded" "$WORK/deployd.log"
i=0
while kill -0 $pid 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "deployd did not exit when idle after the transaction"
    sleep 0.1
done
[ "$(grep -c 'upgrade succeeded' "$WORK/deployd.log")" = 2 ] || fail "trigger did not run"

# Bad configuration: refused at start with the file, line and what is wrong.
printf '[Daemon]\nIdleExitTimeot=5\n' >"$WORK/bad.conf"
set +e
"$DEPLOYD" --sysroot "$SYSROOT" --bus-address "$BUS" --config "$WORK/bad.conf" 2>"$WORK/err"
rc=$?
set -e
[ $rc = 1 ] || fail "bad config: exit $rc"
grep -q "bad.conf:2: unknown key 'IdleExitTimeot'" "$WORK/err" || fail "bad key message: $(cat "$WORK/err")"
printf '[Daemon]\nAutomaticUpdatePolicy=always\n' >"$WORK/bad.conf"
set +e
"$DEPLOYD" --sysroot "$SYSROOT" --bus-address "$BUS" --config "$WORK/bad.conf" 2>"$WORK/err"
rc=$?
set -e
[ $rc = 1 ] || fail "bad value: exit $rc"
grep -q "AutomaticUpdatePolicy must be none, check or stage, got 'always'" "$WORK/err" ||
    fail "bad value message: $(cat "$WORK/err")"
echo "daemon_lifecycle: ok"
