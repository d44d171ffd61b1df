#!/usr/bin/env bash
# upgrade --preview lists the new base's package changes and deploys nothing. upgrade re-applies
# layering on the new base: the layered package and its dependency are
# re-resolved (libfoo 1.0 -> 1.1 from the updated repo). If the request no longer resolves, the
# upgrade fails and the deployments stay as they are.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

step "base 1.0 with bar layered"
build_fixture_repo
"$DEPLOYCTL" repo init --repo "$REMOTE"
write_treefile tf.json os/base 1.0
"$DEPLOYCTL" compose --repo "$REMOTE" tf.json >/dev/null
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/base >/dev/null
write_yum_repo "$(default_deployment_dir)/etc"
dctl install bar >/dev/null
echo "admin=1" >> "$(default_deployment_dir)/etc/bar.conf"
reboot_into_default

step "base 2.0 (base-files 1.1) and libfoo 1.1 published; upgrade --preview"
cp "$RPMOUT"/replace/base-files-1.1-1.noarch.rpm "$RPMREPO/"
publish_libfoo_upgrade
write_treefile tf.json os/base 2.0
base2=$("$DEPLOYCTL" compose --repo "$REMOTE" tf.json)
before=$(snapshot)
dctl upgrade --preview | tee preview.out
grep -q '^Update available: 2.0 ' preview.out || fail "preview names the update"
grep -q '^Upgraded:   base-files-1.0-1.noarch -> base-files-1.1-1.noarch$' preview.out ||
    fail "preview lists the base package upgrade"
[ "$(grep -c '^\(Upgraded\|Downgraded\|Removed\|Added\):' preview.out)" = 1 ] ||
    fail "preview lists only base-files"
dctl --json upgrade --preview > preview.json
[ "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["outcome"], d["package_diff"]["upgraded"][0]["to"])' < preview.json)" = "update-available base-files-1.1-1.noarch" ] ||
    fail "preview JSON: $(cat preview.json)"
[ "$(snapshot)" = "$before" ] || fail "upgrade --preview changed the deployments"

step "upgrade"
dctl upgrade | tee up.out
dctl status --json > st.json
[ "$(json_field 'd["deployments"][0]["version"]' < st.json)" = "2.0" ] || fail "version 2.0"
[ "$(json_field 'd["deployments"][0]["base_commit"]' < st.json)" = "$base2" ] ||
    fail "base_commit is the new base"
[ "$(json_field 'd["deployments"][0]["layered_packages"]' < st.json)" = "['bar']" ] ||
    fail "layering request kept"
[ "$(json_field 'd["deployments"][0]["commit"]' < st.json)" != "$base2" ] ||
    fail "the upgraded deployment must be a layered commit"
d=$(default_deployment_dir)
[ -x "$d/usr/bin/bar" ] || fail "bar not re-applied"
grep -q 'libfoo 1.1' "$d/usr/lib/libfoo.txt" || fail "libfoo not upgraded to 1.1"
grep -q 'admin=1' "$d/etc/bar.conf" || fail "the admin's change to /etc/bar.conf was lost"
expect_rc 77 dctl upgrade
expect_rc 77 dctl upgrade --preview
dctl db diff | tee dbdiff.out
grep -q '^Upgraded:   libfoo-1.0-1.noarch -> libfoo-1.1-1.noarch$' dbdiff.out ||
    fail "db diff shows the libfoo upgrade"
grep -q '^Upgraded:   base-files-1.0-1.noarch -> base-files-1.1-1.noarch$' dbdiff.out ||
    fail "db diff shows the base-files upgrade"
dctl --json db diff > dbdiff.json
[ "$(json_field 'd["added"] + d["removed"] + d["downgraded"]' < dbdiff.json)" = "[]" ] ||
    fail "db diff: only upgrades"

step "a request that no longer resolves fails the upgrade, nothing deployed"
reboot_into_default
rm -f "$RPMREPO"/libfoo-*.rpm
createrepo_c --quiet "$RPMREPO" >/dev/null
write_treefile tf.json os/base 3.0
"$DEPLOYCTL" compose --repo "$REMOTE" tf.json >/dev/null
before=$(snapshot)
expect_error "nothing provides libfoo.so.1 needed by bar-1.0-1.noarch" dctl upgrade
[ "$(snapshot)" = "$before" ] || fail "a failed upgrade changed the sysroot"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck"
echo PASS
