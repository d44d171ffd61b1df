#!/bin/sh
# A client that disconnects before its transaction starts cancels it (nothing happens); a late
# client still reads a finished transaction's result.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon
commit_version 2
before=$(snapshot)

# busctl asks for an upgrade and exits without calling Start(): the transaction is dropped.
path=$(busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 \
    Upgrade b false | sed 's/^o "\(.*\)"$/\1/')
case $path in /org/deployd/Deploy1/Transaction/*) ;; *) fail "Upgrade returned '$path'" ;; esac
wait_for sh -c "busctl --address='$BUS' get-property org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 ActiveTransaction | grep -q '\"/\"'"
busctl --address="$BUS" get-property org.deployd.Deploy1 "$path" org.deployd.Deploy1.Transaction \
    State | grep -q finished || fail "dropped transaction not finished"
busctl --address="$BUS" get-property org.deployd.Deploy1 "$path" org.deployd.Deploy1.Transaction \
    ErrorMessage | grep -q "disconnected before the transaction started" || fail "drop reason"
grep -q "disconnected before the transaction started" "$WORK/deployd.log" || fail "drop not logged"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by a dropped transaction"

# Late client: a finished transaction keeps its result.
dctl upgrade >/dev/null
grep -o 'new transaction: upgrade (tx [0-9a-f]*)' "$WORK/deployd.log" | tail -n 1 |
    sed 's/.*(tx \(.*\))/\1/' >"$WORK/id"
late=/org/deployd/Deploy1/Transaction/$(cat "$WORK/id")
busctl --address="$BUS" get-property org.deployd.Deploy1 "$late" org.deployd.Deploy1.Transaction \
    Result | grep -q 'outcome.*deployed' || fail "late client cannot read Result"
busctl --address="$BUS" get-property org.deployd.Deploy1 "$late" org.deployd.Deploy1.Transaction \
    Success | grep -q true || fail "late client: Success"
echo "daemon_disconnect: ok"
