#!/usr/bin/env bash
# The admin's whole cycle on a sysroot: init, remote, rebase, /etc edit, upgrade (and its exit
# codes), status, reboot, rollback, deploy by version and commit, pin/unpin + retention, cleanup.
. "$(dirname "$0")/lib/common.sh"

step "init, remote add, rebase"
"$DEPLOYCTL" repo init --repo "$REMOTE"
make_tree "$TREE" 1.0
c1=$(commit_version 1.0)
dctl init --os testos
dctl remote add origin "file://$REMOTE"
dctl rebase origin:os/stable | tee out
grep -q "Deployed 1.0" out || fail "rebase output"
[ "$(entry_deploy_paths)" = "/deploy/testos/$c1.0" ] || fail "one entry for $c1.0"
d1="$SR/deploy/testos/$c1.0"
[ "$(cat "$d1/etc/hosts")" = "127.0.0.1 localhost" ] || fail "etc from usr/etc"
[ "$(cat "$d1/usr/etc/motd")" = "Welcome to 1.0" ] || fail "usr/etc defaults"
[ -f "$d1.origin" ] || fail "origin written"
check_consistent

step "admin edits /etc in the deployment"
echo "10.0.0.1 server" >> "$d1/etc/hosts"
echo "admin" > "$d1/etc/admin.conf"

step "commit v2; upgrade --check says yes"
make_tree "$TREE" 2.0
c2=$(commit_version 2.0)
expect_rc 0 dctl upgrade --check
out=$(dctl upgrade --check) || true
echo "$out" | grep "2.0" >/dev/null || fail "--check names the version"
[ "$(entry_deploy_paths | wc -l)" = 1 ] || fail "--check deployed something"

step "upgrade"
dctl upgrade | tee out
grep -q "Deployed 2.0" out || fail "upgrade output"
d2="$SR/deploy/testos/$c2.0"
grep -q "10.0.0.1 server" "$d2/etc/hosts" || fail "admin's hosts edit carried"
[ "$(cat "$d2/etc/admin.conf")" = admin ] || fail "admin's added file carried"
[ "$(cat "$d2/etc/motd")" = "Welcome to 2.0" ] || fail "untouched motd follows new default"
[ "$(entry_deploy_paths | tr '\n' ' ')" = "/deploy/testos/$c2.0 /deploy/testos/$c1.0 " ] ||
    fail "boot order new, old"

step "nothing to do: upgrade and --check exit 77"
expect_rc 77 dctl upgrade
expect_rc 77 dctl upgrade --check
out=$(dctl upgrade --check) || true
echo "$out" | grep -i "no update" >/dev/null || fail "--check says no update"
[ "$(entry_deploy_paths | wc -l)" = 2 ] || fail "77 changed the deployments"

step "status and status --json"
dctl status | tee out
grep -q "2.0" out && grep -q "1.0" out || fail "status lists both versions"
status_json > st.json
python3 - "$c2" "$c1" <<'PY' || fail "status --json contract"
import json, sys
d = json.load(open("st.json"))
c2, c1 = sys.argv[1], sys.argv[2]
keys = ["id", "os", "commit", "base_commit", "version", "path", "booted", "pinned", "staged",
        "layered_packages", "removed_packages", "replaced_packages", "kargs"]
ds = d["deployments"]
assert len(ds) == 2, ds
for x in ds:
    missing = [k for k in keys if k not in x]
    assert not missing, missing
    assert x["os"] == "testos" and x["booted"] is False and x["pinned"] is False
    assert x["staged"] is False and x["base_commit"] == x["commit"]
    for k in ["layered_packages", "removed_packages", "replaced_packages", "kargs"]:
        assert isinstance(x[k], list), k
assert [x["commit"] for x in ds] == [c2, c1]
assert [x["version"] for x in ds] == ["2.0", "1.0"]
assert [x["id"] for x in ds] == [c2 + ".0", c1 + ".0"]
assert [x["path"] for x in ds] == ["/deploy/testos/%s.0" % c2, "/deploy/testos/%s.0" % c1]
PY
[ "$(json_field '[x["path"] for x in d["deployments"]]' < st.json)" = \
  "$(entry_deploy_paths | python3 -c 'import sys; print([l.strip() for l in sys.stdin])')" ] ||
    fail "status order is boot order"

step "reboot into the default"
reboot_into_default
grep -q "deploy=/deploy/testos/$c2.0" "$CMDLINE" || fail "cmdline"
[ "$(status_json | json_field 'd["deployments"][0]["booted"]')" = True ] || fail "booted true"
[ "$(status_json | json_field 'd["deployments"][1]["booted"]')" = False ] || fail "only one booted"
dctl status | grep "booted" >/dev/null || fail "status table shows booted"

step "rollback: one atomic switch, no tree work"
before=$(deploy_listing)
loader_before=$(readlink "$SR/boot/loader")
dctl rollback | tee out
loader_after=$(readlink "$SR/boot/loader")
[ "$loader_before" != "$loader_after" ] || fail "loader symlink did not flip"
[ "${loader_after%.*}" = loader ] || fail "loader -> loader.N"
[ "${loader_after#loader.}" -eq $((${loader_before#loader.} + 1)) ] || fail "loader.N+1"
[ "$(deploy_listing)" = "$before" ] || fail "rollback changed deploy/"
[ "$(entry_deploy_paths | tr '\n' ' ')" = "/deploy/testos/$c1.0 /deploy/testos/$c2.0 " ] ||
    fail "rollback order"
[ "$(status_json | json_field 'd["deployments"][1]["booted"]')" = True ] || fail "booted kept"
check_consistent

step "deploy VERSION"
dctl deploy 1.0 | tee out
[ "$(entry_deploy_paths | tr '\n' ' ')" = "/deploy/testos/$c1.1 /deploy/testos/$c2.0 " ] ||
    fail "deploy 1.0: new $c1.1 default, booted kept as rollback"
[ ! -e "$SR/deploy/testos/$c1.0" ] || fail "unbooted, unpinned $c1.0 removed"
# The merge source is the booted deployment (v2): its /etc edits carried.
grep -q "10.0.0.1 server" "$SR/deploy/testos/$c1.1/etc/hosts" || fail "etc from booted"

step "deploy COMMIT-prefix"
dctl deploy "${c2:0:12}" | tee out
[ "$(entry_deploy_paths | tr '\n' ' ')" = "/deploy/testos/$c2.1 /deploy/testos/$c2.0 " ] ||
    fail "deploy commit prefix"
expect_error "no version or commit" dctl deploy 9.9
reboot_into_default

step "pin + retention"
dctl pin 1
[ "$(status_json | json_field 'd["deployments"][1]["pinned"]')" = True ] || fail "pinned"
dctl status | grep pinned >/dev/null || fail "status shows pinned"
make_tree "$TREE" 3.0; c3=$(commit_version 3.0)
dctl upgrade >/dev/null
make_tree "$TREE" 4.0; c4=$(commit_version 4.0)
dctl upgrade | tee out
[ "$(entry_deploy_paths | tr '\n' ' ')" = \
  "/deploy/testos/$c4.0 /deploy/testos/$c2.1 /deploy/testos/$c2.0 " ] ||
    fail "retention: new default, booted (rollback), pinned; got $(entry_deploy_paths)"
[ ! -e "$SR/deploy/testos/$c3.0" ] && [ ! -e "$SR/deploy/testos/$c3.0.origin" ] ||
    fail "unpinned, unbooted v3 removed"
[ -z "$(leftovers)" ] || fail "leftovers: $(leftovers)"

step "unpin: the next upgrade drops it"
dctl unpin 2
[ "$(status_json | json_field 'd["deployments"][2]["pinned"]')" = False ] || fail "unpinned"
make_tree "$TREE" 5.0; c5=$(commit_version 5.0)
dctl upgrade >/dev/null
[ "$(entry_deploy_paths | tr '\n' ' ')" = "/deploy/testos/$c5.0 /deploy/testos/$c2.1 " ] ||
    fail "after unpin: $(entry_deploy_paths)"
[ "$(ls "$SR/deploy/testos" | sort)" = "$(printf '%s\n' "$c2.1" "$c2.1.origin" "$c5.0" "$c5.0.origin" var | sort)" ] ||
    fail "deploy dir: $(ls "$SR/deploy/testos")"
check_consistent

step "cleanup prunes objects"
objects_before=$(find "$SR/repo/objects" -type f | wc -l)
dctl --json cleanup | tee cl.json
[ "$(json_field 'd["objects_removed"]' < cl.json)" -gt 0 ] || fail "cleanup removed no objects"
objects_after=$(find "$SR/repo/objects" -type f | wc -l)
[ "$objects_after" -lt "$objects_before" ] || fail "object count did not drop"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck after cleanup"
[ "$(dctl --json cleanup | json_field 'd["objects_removed"]')" = 0 ] || fail "second cleanup"
check_consistent
# Both kept deployments still deploy fine afterwards (their objects were kept).
dctl kargs --append quiet >/dev/null
check_consistent
echo PASS
