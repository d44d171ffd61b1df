#!/usr/bin/env bash
# The /etc 3-way merge across an upgrade: the admin's modified/added/deleted files are carried,
# untouched files follow the new defaults, conflicts are reported, `etc diff` shows the admin's
# changes, and a file-vs-directory clash refuses the upgrade and changes nothing.
. "$(dirname "$0")/lib/common.sh"

extra_etc() {  # extra_etc DIR VERSION
    echo "value=1" > "$1/etc/conflict.conf"
    echo "ty" > "$1/etc/ty.conf"
    echo "secret" > "$1/etc/secret"
    echo "keep" > "$1/etc/keep.conf"
}

step "v1 deployed"
"$DEPLOYCTL" repo init --repo "$REMOTE"
make_tree "$TREE" 1.0; extra_etc "$TREE" 1.0
commit_version 1.0 >/dev/null
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/stable >/dev/null
d1=$(deployment_dir 0)
[ -z "$(dctl etc diff)" ] || fail "fresh deployment has no admin changes"

step "admin changes /etc"
echo "10.0.0.1 server" >> "$d1/etc/hosts"          # modified, same in v2
echo "admin=1" > "$d1/etc/admin.conf"              # added
mkdir "$d1/etc/admin.d"; echo x > "$d1/etc/admin.d/a.conf"  # added dir
ln -s hosts "$d1/etc/admin-link"                   # added symlink
rm "$d1/etc/ssh/sshd_config"                       # deleted (v2 changes it: stays deleted)
echo "value=admin" > "$d1/etc/conflict.conf"       # modified, v2 changes it too: conflict
chmod 600 "$d1/etc/secret"                         # mode change only
dctl etc diff | tee diff.out
grep -qx 'M    /etc/hosts' diff.out || fail "diff M hosts"
grep -qx 'A    /etc/admin.conf' diff.out || fail "diff A admin.conf"
grep -q '^A    /etc/admin.d' diff.out || fail "diff A admin.d"
grep -qx 'A    /etc/admin-link' diff.out || fail "diff A admin-link"
grep -qx 'D    /etc/ssh/sshd_config' diff.out || fail "diff D sshd_config"
grep -qx 'M    /etc/conflict.conf' diff.out || fail "diff M conflict.conf"
grep -qx 'M    /etc/secret' diff.out || fail "diff M secret (mode)"
! grep -q 'motd\|keep.conf\|os-release' diff.out || fail "untouched files are not in the diff"
dctl --json etc diff | json_field 'sorted((x["status"], x["path"]) for x in d)' | grep "('D', 'ssh/sshd_config')" >/dev/null ||
    fail "etc diff --json"

step "v2: new defaults"
make_tree "$TREE" 2.0; extra_etc "$TREE" 2.0
echo "value=2" > "$TREE/etc/conflict.conf"
echo "PermitRootLogin prohibit-password" > "$TREE/etc/ssh/sshd_config"
echo "new in 2.0" > "$TREE/etc/new.conf"
commit_version 2.0 >/dev/null
dctl upgrade 2>&1 | tee up.out
grep -q "conflict.conf" up.out || fail "conflict reported in upgrade output"
d2=$(deployment_dir 0)
[ "$d2" != "$d1" ] || fail "new deployment"
grep -q "10.0.0.1 server" "$d2/etc/hosts" || fail "modified file kept"
[ "$(cat "$d2/etc/admin.conf")" = "admin=1" ] || fail "added file kept"
[ "$(cat "$d2/etc/admin.d/a.conf")" = x ] || fail "added dir kept"
[ "$(readlink "$d2/etc/admin-link")" = hosts ] || fail "added symlink kept"
[ ! -e "$d2/etc/ssh/sshd_config" ] || fail "deleted file stays deleted"
[ "$(cat "$d2/etc/conflict.conf")" = "value=admin" ] || fail "conflict: admin's version kept"
[ "$(stat -c %a "$d2/etc/secret")" = 600 ] || fail "mode carried"
[ "$(cat "$d2/etc/motd")" = "Welcome to 2.0" ] || fail "untouched file follows the new default"
[ "$(cat "$d2/etc/new.conf")" = "new in 2.0" ] || fail "new default file appears"
[ "$(cat "$d2/etc/keep.conf")" = keep ] || fail "unchanged default kept"
[ "$(readlink "$d2/etc/os-release")" = ../usr/lib/os-release ] || fail "symlink default"
# Deleted by the admin and changed upstream counts as both sides changing it.
[ "$(status_json | json_field 'sorted(d["deployments"][0]["etc_conflicts"])')" = \
  "['conflict.conf', 'ssh/sshd_config']" ] ||
    fail "status --json etc_conflicts"
[ "$(status_json | json_field 'd["deployments"][1]["etc_conflicts"]')" = "[]" ] ||
    fail "old deployment has no conflicts"
dctl status | grep "conflict.conf" >/dev/null || fail "status table shows the conflict"
# The old deployment's /etc is untouched by the merge.
grep -q "10.0.0.1" "$d1/etc/hosts" && [ "$(cat "$d1/etc/motd")" = "Welcome to 1.0" ] ||
    fail "old deployment changed"

step "etc diff follows the merge deployment (booted)"
reboot_into_default
dctl etc diff | tee diff2.out
grep -qx 'D    /etc/ssh/sshd_config' diff2.out || fail "diff after upgrade"
! grep -q 'motd' diff2.out || fail "motd is not an admin change"

step "type change: admin-modified file becomes a directory in v3"
echo "admin ty" > "$d2/etc/ty.conf"
make_tree "$TREE" 3.0; extra_etc "$TREE" 3.0
rm "$TREE/etc/ty.conf"; mkdir "$TREE/etc/ty.conf"; echo d > "$TREE/etc/ty.conf/x"
commit_version 3.0 >/dev/null
before=$(snapshot)
expect_error "ty.conf" dctl upgrade
[ "$(snapshot)" = "$before" ] || fail "failed upgrade changed deploy/boot state"
[ -z "$(leftovers)" ] || fail "leftovers: $(leftovers)"
check_consistent

step "reverse: admin-added directory where v4 has a file"
rm -rf "$d2/etc/ty.conf"; echo "admin ty" > "$d2/etc/ty.conf"   # back to a modified file
mkdir "$d2/etc/newthing"; echo y > "$d2/etc/newthing/y"
make_tree "$TREE" 4.0; extra_etc "$TREE" 4.0
echo file > "$TREE/etc/newthing"
commit_version 4.0 >/dev/null
before=$(snapshot)
expect_error "newthing" dctl upgrade
[ "$(snapshot)" = "$before" ] || fail "failed upgrade changed deploy/boot state"
check_consistent
echo PASS
