#!/bin/sh
# Every deployd method's happy path through `deployctl --bus-address`, with the same output and
# exit codes as the in-process path.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon

# Status: identical JSON to the in-process engine; no transaction needed.
[ "$(dctl status --json)" = "$(lctl status --json)" ] || fail "status differs from --sysroot"
dctl status | grep -q "testos 1" || fail "status table"

# Upgrade --check: 77 when current, 0 with an update; then upgrade, then 77 again.
set +e; dctl upgrade --check >"$WORK/out"; rc=$?; set -e
[ $rc = 77 ] || fail "upgrade --check when current: exit $rc"
commit_version 2
dctl upgrade --check | grep -q "Update available: 2" || fail "upgrade --check with update"
dctl upgrade >"$WORK/out"
grep -q "^Deployed 2 " "$WORK/out" || fail "upgrade output: $(cat "$WORK/out")"
grep -q "Pulled origin:os/stable" "$WORK/out" || fail "progress messages not relayed"
set +e; dctl upgrade >/dev/null; rc=$?; set -e
[ $rc = 77 ] || fail "upgrade when current: exit $rc"
[ "$(dctl status --json | grep -c '"version": "2"')" -ge 1 ] || fail "v2 not deployed"

# Deploy an older version, then roll back to 2.
dctl deploy 1 | grep -q "^Deployed 1 " || fail "deploy 1"
dctl rollback | grep -q "^Rolled back: 2 " || fail "rollback"

# Kernel arguments: append, replace, delete, show (show needs no transaction).
dctl kargs --append quiet --append console=ttyS0 | grep -q "^Deployed" || fail "kargs append"
[ "$(dctl kargs)" = "quiet console=ttyS0" ] || fail "kargs show: $(dctl kargs)"
dctl kargs --replace console=tty1 >/dev/null
dctl kargs --delete quiet >/dev/null
[ "$(dctl kargs)" = "console=tty1" ] || fail "kargs after edits: $(dctl kargs)"
[ "$(dctl kargs)" = "$(lctl kargs)" ] || fail "kargs differs from --sysroot"
set +e; dctl kargs --append console=tty1 >/dev/null; rc=$?; set -e
[ $rc = 77 ] || fail "unchanged kargs: exit $rc"
# A quoted value with spaces passes the daemon's validation (the engine's rule) and comes back.
dctl kargs --append 'foo=a b' >/dev/null
[ "$(dctl kargs)" = 'console=tty1 foo="a b"' ] || fail "quoted karg: $(dctl kargs)"
dctl kargs --delete 'foo="a b"' >/dev/null

# Pin / unpin.
dctl pin 1 | grep -q "Deployment 1 is pinned" || fail "pin"
dctl status --json | grep -q '"pinned": true' || fail "pin not in status"
dctl unpin 1 | grep -q "unpinned" || fail "unpin"

# Cleanup.
dctl cleanup | grep -q "^Cleanup done" || fail "cleanup"
dctl --json cleanup | grep -q '"objects_removed"' || fail "cleanup --json"

# Remote add, then rebase onto a ref from it.
"$DEPLOYCTL" repo init --repo "$WORK/other" >/dev/null
mkdir -p "$WORK/tree-o/usr/lib/modules/6.1.0" "$WORK/tree-o/etc"
echo other >"$WORK/tree-o/usr/lib/modules/6.1.0/vmlinuz"
echo other >"$WORK/tree-o/etc/os-release"
"$DEPLOYCTL" repo commit --repo "$WORK/other" --branch os/other --version o1 "$WORK/tree-o" >/dev/null
dctl remote add other "file://$WORK/other" | grep -qi "other" || fail "remote add"
dctl rebase other:os/other | grep -q "^Deployed o1 " || fail "rebase"
dctl status --json | grep -q '"refspec": "other:os/other"' || fail "rebase not tracked"

# etc diff (read-only).
[ "$(dctl --json etc diff)" = "$(lctl --json etc diff)" ] || fail "etc diff differs"

# Automatic updates: policy none by default.
busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 \
    AutomaticUpdateTrigger | grep -q '^bo false "/"' || fail "AutomaticUpdateTrigger with none"

# Properties reflect the sysroot.
default_id=$(dctl status --json | sed -n 's/.*"id": "\([^"]*\)".*/\1/p' | head -n 1)
bus_prop DefaultDeployment | grep -q "$default_id" || fail "DefaultDeployment"
bus_prop ActiveTransaction | grep -q '"/"' || fail "ActiveTransaction"
bus_prop Version | grep -q '"0\.' || fail "Version"
grep -q "\[tx [0-9a-f]*\] starting rebase" "$WORK/deployd.log" || fail "tx id not in the log"
echo "daemon_methods: ok"
