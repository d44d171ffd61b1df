#!/bin/sh
# One transaction at a time: a different request is Busy (naming what runs and who asked), the
# identical request joins the running transaction and gets its result.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon DEPLOYD_FAULT_DELAY_MS=300
commit_version 2

dctl upgrade >"$WORK/first.out" 2>"$WORK/first.err" &
first=$!
wait_for sh -c "busctl --address='$BUS' get-property org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 ActiveTransaction | grep -q Transaction"

# A different request: Busy, one line, exit 1, nothing queued.
expect_fail 1 '^error: busy: upgrade \(tx [0-9a-f]+\) requested by uid 0 \(:1\.[0-9]+\) is (running|waiting to start)' \
    dctl cleanup
expect_fail 1 '^error: busy: upgrade' dctl upgrade --check
busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 \
    Rollback 2>"$WORK/busctl.err" && fail "Rollback while busy succeeded"
grep -q "busy" "$WORK/busctl.err" || fail "busctl error: $(cat "$WORK/busctl.err")"

# The identical request joins: same transaction, same result.
dctl upgrade >"$WORK/second.out" 2>"$WORK/second.err" || fail "joined upgrade failed: $(cat "$WORK/second.err")"
wait $first || fail "first upgrade failed: $(cat "$WORK/first.err")"
grep -q "^Deployed 2 " "$WORK/first.out" || fail "first output: $(cat "$WORK/first.out")"
[ "$(grep '^Deployed' "$WORK/first.out")" = "$(grep '^Deployed' "$WORK/second.out")" ] ||
    fail "joined result differs"
grep -q "joins upgrade" "$WORK/deployd.log" || fail "no join in the log"
[ "$(grep -c 'starting upgrade' "$WORK/deployd.log")" = 1 ] || fail "upgrade ran twice"
[ "$(lctl status --json | grep -c '"id"')" = 2 ] || fail "expected 2 deployments"

# Busy is over once it finished.
dctl cleanup >/dev/null || fail "cleanup after the transaction"
echo "daemon_busy_join: ok"
