#!/usr/bin/env bash
# /var is shared per OS: created and seeded from the tree on the first deploy, never re-seeded
# (an upgrade with other /var defaults leaves the admin's /var alone), and only when empty.
. "$(dirname "$0")/lib/common.sh"

VAR="$SR/deploy/testos/var"

step "first deploy seeds /var from the tree"
setup_deployed_sysroot
[ "$(cat "$VAR/lib/app/seed")" = state ] || fail "seeded from the tree"
d1=$(deployment_dir 0)
# A copy, not a hardlink of a store object: writes to /var must never reach the store.
[ "$(stat -c %h "$VAR/lib/app/seed")" = 1 ] || fail "shared /var file is a hardlink"

step "the admin uses /var"
echo "runtime data" > "$VAR/lib/app/data"
echo "changed" > "$VAR/lib/app/seed"
rm -f "$VAR/lib/app/gone"

step "upgrade with different /var defaults: not re-seeded"
make_tree "$TREE" 2.0
echo "new state" > "$TREE/var/lib/app/seed"
mkdir -p "$TREE/var/lib/new"; echo n > "$TREE/var/lib/new/file"
commit_version 2.0 >/dev/null
dctl upgrade >/dev/null
[ "$(cat "$VAR/lib/app/seed")" = changed ] || fail "admin's /var content overwritten"
[ "$(cat "$VAR/lib/app/data")" = "runtime data" ] || fail "admin's /var data lost"
[ ! -e "$VAR/lib/new" ] || fail "/var re-seeded on upgrade"

step "rollback, kargs, deploy of the old version: /var untouched"
dctl rollback >/dev/null
dctl kargs --append quiet >/dev/null
dctl deploy 2.0 >/dev/null
[ "$(cat "$VAR/lib/app/seed")" = changed ] && [ "$(cat "$VAR/lib/app/data")" = "runtime data" ] ||
    fail "/var changed"
[ ! -e "$VAR/lib/new" ] || fail "/var re-seeded"

step "cleanup keeps /var"
dctl cleanup >/dev/null
[ "$(cat "$VAR/lib/app/data")" = "runtime data" ] || fail "cleanup removed /var"

step "an empty /var is seeded again on the next deploy"
rm -rf "${VAR:?}"/*
make_tree "$TREE" 3.0
echo "v3 state" > "$TREE/var/lib/app/seed"
commit_version 3.0 >/dev/null
dctl upgrade >/dev/null
[ "$(cat "$VAR/lib/app/seed")" = "v3 state" ] || fail "empty /var seeded from the new tree"

step "a second OS on another sysroot has its own /var"
SR2="$WORK/sysroot2"
"$DEPLOYCTL" --sysroot "$SR2" --cmdline-file "$CMDLINE" init --os otheros >/dev/null
"$DEPLOYCTL" --sysroot "$SR2" --cmdline-file "$CMDLINE" remote add origin "file://$REMOTE" >/dev/null
"$DEPLOYCTL" --sysroot "$SR2" --cmdline-file "$CMDLINE" rebase origin:os/stable >/dev/null
[ "$(cat "$SR2/deploy/otheros/var/lib/app/seed")" = "v3 state" ] || fail "own /var"
[ "$(cat "$VAR/lib/app/seed")" = "v3 state" ] || fail "first OS untouched"
echo PASS
