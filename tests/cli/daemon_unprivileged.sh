#!/bin/sh
# An unprivileged caller (nobody) may read status, but every mutating call is denied with
# org.freedesktop.DBus.Error.AccessDenied (no polkit on this bus = denied) and nothing happens.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon DEPLOYD_FAULT_DELAY_MS=100
commit_version 2
before=$(snapshot)

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
nctl() { as_nobody "$DEPLOYCTL" --bus-address "$BUS" "$@"; }

# Reading needs no authorization.
[ "$(nctl status --json)" = "$(lctl status --json)" ] || fail "status as nobody"
nctl kargs >/dev/null || fail "kargs show as nobody"

# Authorization comes before any look at the arguments: x.rpm is no package (it would be
# Invalid), nobody still gets AccessDenied.
printf 'not a package\n' >"$WORK/x.rpm"
for cmd in "upgrade" "upgrade --check" "upgrade --preview" "deploy 1" "rollback" "cleanup" \
    "pin 0" "unpin 0" "kargs --append quiet" "rebase origin:os/stable" \
    "remote add x file:///tmp/x" "install bar" "install $WORK/x.rpm" "uninstall bar" \
    "override remove bar" "override replace $WORK/x.rpm" "override reset bar" \
    "override reset --all" "reset"; do
    # shellcheck disable=SC2086
    expect_fail 1 "^error: not authorized for org\.deployd\.Deploy1\.[a-z-]+: polkit is not reachable" \
        nctl $cmd
done
grep -q "denied org.deployd.Deploy1.install-uninstall-packages to uid 65534" "$WORK/deployd.log" ||
    fail "install denial not logged"
grep -q "denied org.deployd.Deploy1.override to uid 65534" "$WORK/deployd.log" ||
    fail "override denial not logged"
# Arguments that would be Invalid are still AccessDenied for nobody.
for args in "Install asah 0 0" "Uninstall as 0" "OverrideRemove as 1 a/b" "OverrideReplace ah 0" \
    "OverrideReset asb 0 false" "ResetLayering" "UpgradePreview"; do
    # shellcheck disable=SC2086
    as_nobody busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 \
        org.deployd.Deploy1 $args 2>"$WORK/err" && fail "busctl $args as nobody succeeded"
    grep -qi "access denied\|not authorized" "$WORK/err" || fail "busctl $args as nobody: $(cat "$WORK/err")"
done
as_nobody busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.deployd.Deploy1 Upgrade b false 2>"$WORK/err" && fail "busctl Upgrade as nobody succeeded"
grep -qi "access denied\|not authorized" "$WORK/err" || fail "busctl as nobody: $(cat "$WORK/err")"
grep -q "denied org.deployd.Deploy1.upgrade to uid 65534" "$WORK/deployd.log" || fail "denial not logged"
bus_prop ActiveTransaction | grep -q '"/"' || fail "a denied call left a transaction"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by denied calls"

# nobody cannot cancel root's transaction either.
"$DEPLOYCTL" --bus-address "$BUS" upgrade >"$WORK/out" 2>&1 &
client=$!
wait_for sh -c "busctl --address='$BUS' get-property org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 ActiveTransaction | grep -q Transaction"
path=$(bus_prop ActiveTransaction | sed 's/^o "\(.*\)"$/\1/')
as_nobody busctl --address="$BUS" call org.deployd.Deploy1 "$path" \
    org.deployd.Deploy1.Transaction Cancel 2>"$WORK/err" && fail "nobody cancelled root's transaction"
wait $client || fail "root's upgrade failed: $(cat "$WORK/out")"
grep -q "^Deployed 2" "$WORK/out" || fail "root's upgrade output"
echo "daemon_unprivileged: ok"
