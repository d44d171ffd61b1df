#!/usr/bin/env bash
# /var is shared per OS and starts empty: a deploy copies nothing. The tree's /var defaults ship
# in the deployment (usr/share/factory/var, hardlinks) with a generated tmpfiles.d file, and the
# boot's systemd-tmpfiles recreates what is missing (never overwriting the admin's /var).
. "$(dirname "$0")/lib/common.sh"

VAR="$SR/deploy/testos/var"
CONF=usr/lib/tmpfiles.d/deployd-var.conf

# What systemd-tmpfiles --create does at boot of deployment $1, with the OS's /var mounted on it.
boot_tmpfiles() {
    unshare -m sh -c 'mount --bind "$1" "$2/var" &&
        systemd-tmpfiles --root="$2" --create "$2/'"$CONF"'"' sh "$VAR" "$1"
}

# Files, dirs (own modes and owners), symlinks (relative, absolute, dangling), odd names.
add_var_content() {
    local dir=$1
    mkdir -p "$dir/var/lib/secret/deep" "$dir/var/cache/empty" "$dir/var/spool/with space"
    chmod 0700 "$dir/var/lib/secret"; chown -R 1234:5678 "$dir/var/lib/secret"
    echo key > "$dir/var/lib/secret/key"; chmod 0600 "$dir/var/lib/secret/key"
    chown 1234:5678 "$dir/var/lib/secret/key"
    echo deep > "$dir/var/lib/secret/deep/file"; chown -R 1234:5678 "$dir/var/lib/secret/deep"
    chmod 1777 "$dir/var/cache/empty"
    echo x > "$dir/var/spool/with space/50%.txt"
    ln -s ../run "$dir/var/run"
    ln -s /run/lock "$dir/var/lock"
    ln -s "no such target" "$dir/var/lib/dangling"
}

step "first deploy copies nothing: empty /var, defaults in the deployment"
"$DEPLOYCTL" repo init --repo "$REMOTE"
make_tree "$TREE" 1.0
add_var_content "$TREE"
commit_version 1.0 >/dev/null
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/stable >/dev/null
d1=$(deployment_dir 0)
[ -d "$VAR" ] && [ -z "$(ls -A "$VAR")" ] || fail "the OS's /var is not created empty"
[ -d "$d1/var" ] && [ -z "$(ls -A "$d1/var")" ] || fail "the deployment's var is not an empty mount point"
[ "$(cat "$d1/usr/share/factory/var/lib/app/seed")" = state ] || fail "factory copy of /var"
# Hardlinks of the store, not copies: the first deployment costs no /var data.
[ "$(stat -c %h "$d1/usr/share/factory/var/lib/app/seed")" -gt 1 ] || fail "factory file is a copy"
grep -qx 'C /var/lib/app/seed - - - - /usr/share/factory/var/lib/app/seed' "$d1/$CONF" ||
    fail "no C line for a file: $(cat "$d1/$CONF")"
grep -qx 'd /var/lib/secret 0700 1234 5678 -' "$d1/$CONF" || fail "d line keeps mode and owner"
grep -qx 'L /var/run - - - - ../run' "$d1/$CONF" || fail "L line keeps the target"

step "boot: systemd-tmpfiles fills /var from the defaults"
boot_tmpfiles "$d1"
[ "$(cat "$VAR/lib/app/seed")" = state ] || fail "file not created"
[ "$(stat -c %h "$VAR/lib/app/seed")" = 1 ] || fail "/var file is a hardlink of the store"
[ "$(stat -c '%a %u %g' "$VAR/lib/secret")" = "700 1234 5678" ] || fail "dir mode/owner"
[ "$(stat -c '%a %u %g' "$VAR/lib/secret/key")" = "600 1234 5678" ] || fail "file mode/owner"
[ "$(cat "$VAR/lib/secret/deep/file")" = deep ] || fail "nested file"
[ "$(stat -c %a "$VAR/cache/empty")" = 1777 ] || fail "empty dir with sticky bit"
[ "$(cat "$VAR/spool/with space/50%.txt")" = x ] || fail "names with space and %"
[ "$(readlink "$VAR/run")" = ../run ] && [ "$(readlink "$VAR/lock")" = /run/lock ] &&
    [ "$(readlink "$VAR/lib/dangling")" = "no such target" ] || fail "symlinks"

step "the admin uses /var"
echo "runtime data" > "$VAR/lib/app/data"
echo "changed" > "$VAR/lib/app/seed"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "a write to /var reached the store"
[ "$(cat "$d1/usr/share/factory/var/lib/app/seed")" = state ] || fail "factory default changed"

step "upgrade with different /var defaults: the admin's /var kept, new defaults added at boot"
make_tree "$TREE" 2.0
add_var_content "$TREE"
echo "new state" > "$TREE/var/lib/app/seed"
mkdir -p "$TREE/var/lib/new"; echo n > "$TREE/var/lib/new/file"
commit_version 2.0 >/dev/null
dctl upgrade >/dev/null
[ ! -e "$VAR/lib/new" ] || fail "/var written at deploy"
boot_tmpfiles "$(deployment_dir 0)"
[ "$(cat "$VAR/lib/app/seed")" = changed ] || fail "admin's /var content overwritten"
[ "$(cat "$VAR/lib/app/data")" = "runtime data" ] || fail "admin's /var data lost"
[ "$(cat "$VAR/lib/new/file")" = n ] || fail "new default not created at boot"

step "rollback, kargs, deploy of the old version: /var untouched"
dctl rollback >/dev/null
dctl kargs --append quiet >/dev/null
dctl deploy 2.0 >/dev/null
[ "$(cat "$VAR/lib/app/seed")" = changed ] && [ "$(cat "$VAR/lib/app/data")" = "runtime data" ] ||
    fail "/var changed"

step "cleanup keeps /var"
dctl cleanup >/dev/null
[ "$(cat "$VAR/lib/app/data")" = "runtime data" ] || fail "cleanup removed /var"

step "an emptied /var is filled again at the next boot"
rm -rf "${VAR:?}"/*
boot_tmpfiles "$(deployment_dir 0)"
[ "$(cat "$VAR/lib/app/seed")" = "new state" ] || fail "empty /var filled from the defaults"

step "a tree that already ships usr/share/factory/var is refused, nothing changed"
mkdir -p "$TREE/usr/share/factory/var"
commit_version 3.0 >/dev/null
before=$(snapshot)
expect_error "usr/share/factory/var" dctl upgrade
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by a refused deploy"

step "a tree without /var: no tmpfiles.d file, an empty var mount point"
rm -rf "$TREE/var" "$TREE/usr/share/factory"
commit_version 4.0 >/dev/null
dctl upgrade >/dev/null
d4=$(deployment_dir 0)
[ -d "$d4/var" ] && [ ! -e "$d4/$CONF" ] || fail "tree without /var"

step "a second OS on another sysroot has its own /var"
SR2="$WORK/sysroot2"
"$DEPLOYCTL" --sysroot "$SR2" --cmdline-file "$CMDLINE" init --os otheros >/dev/null
"$DEPLOYCTL" --sysroot "$SR2" --cmdline-file "$CMDLINE" remote add origin "file://$REMOTE" >/dev/null
"$DEPLOYCTL" --sysroot "$SR2" --cmdline-file "$CMDLINE" rebase origin:os/stable >/dev/null
[ -d "$SR2/deploy/otheros/var" ] && [ -z "$(ls -A "$SR2/deploy/otheros/var")" ] || fail "own empty /var"
[ "$(cat "$VAR/lib/app/seed")" = "new state" ] || fail "first OS untouched"
echo PASS
