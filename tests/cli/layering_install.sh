#!/usr/bin/env bash
# Layering on a composed base: install with a dependency, install a local .rpm, uninstall; an
# unresolvable request is refused with libsolv's message and changes nothing; the store and the
# other deployments are never written through.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

step "fixtures and a composed base"
build_fixture_repo
"$DEPLOYCTL" repo init --repo "$REMOTE"
write_treefile tf.json os/base 1.0
base=$("$DEPLOYCTL" compose --repo "$REMOTE" tf.json)
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/base >/dev/null
write_yum_repo "$(default_deployment_dir)/etc"
base_dir=$(default_deployment_dir)
base_listing=$(cd "$base_dir" && find . -printf '%p %s %i\n' | sort | md5sum)

step "install with a dependency"
dctl install bar | tee install.out
dctl status --json > st.json
[ "$(json_field 'd["deployments"][0]["layered_packages"]' < st.json)" = "['bar']" ] ||
    fail "layered_packages should be ['bar']"
[ "$(json_field 'd["deployments"][0]["base_commit"]' < st.json)" = "$base" ] ||
    fail "base_commit should be the composed commit"
layered=$(json_field 'd["deployments"][0]["commit"]' < st.json)
[ "$layered" != "$base" ] || fail "layering must make a new local commit"
d=$(default_deployment_dir)
[ -x "$d/usr/bin/bar" ] || fail "bar not installed"
grep -q 'libfoo 1.0' "$d/usr/lib/libfoo.txt" || fail "dependency libfoo not installed"
[ "$(cat "$d/etc/bar.conf")" = "bar=default" ] || fail "bar's /etc default not deployed"
[ -f "$d/etc/yum.repos.d/fixture.repo" ] || fail "the admin's repo file was not carried over"
# Query a copy: sqlite writes even when reading, and the deployment's files are the store's.
cp -a "$d/usr/lib/sysimage/rpm" "$WORK/qdb"
rpm --dbpath "$WORK/qdb" -q bar libfoo busybox >/dev/null ||
    fail "rpmdb of the new deployment lacks bar/libfoo/busybox"
"$DEPLOYCTL" repo log --repo "$SR/repo" "$layered" | grep -q "layered on ${base:0:12}" ||
    fail "local commit subject"
# The parent of the local commit is the base.
python3 - "$SR/repo" "$layered" "$base" "$d" <<'PY' || fail "local commit metadata"
import json, sys, os
repo, commit, base, tree = sys.argv[1:]
c = json.load(open(os.path.join(repo, "objects", commit[:2], commit[2:] + ".commit")))
assert c["parent"] == base, c["parent"]
names = [p["nevra"] for p in c["metadata"]["packages"]]
assert not any("sqlite-shm" in l for l in os.popen("find " + sys.argv[4])), "shm committed"
assert any(n.startswith("bar-1.0") for n in names), names
assert all("sha256" in p for p in c["metadata"]["packages"]), c["metadata"]["packages"]
PY

dctl db diff "$base" "$layered" | tee dbdiff.out
grep -q '^Added:      bar-1.0-1.noarch$' dbdiff.out || fail "db diff lists bar as added"
grep -q '^Added:      libfoo-1.0-1.noarch$' dbdiff.out || fail "db diff lists libfoo as added"

step "the base deployment and the store are untouched"
[ "$(cd "$base_dir" && find . -printf '%p %s %i\n' | sort | md5sum)" = "$base_listing" ] ||
    fail "the base deployment changed"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null ||
    fail "store corrupted"

step "install a local .rpm"
dctl install "$RPMOUT"/localtool-2.0-1.noarch.rpm >/dev/null
d=$(default_deployment_dir)
[ -x "$d/usr/bin/localtool" ] || fail "localtool not installed"
[ -x "$d/usr/bin/bar" ] || fail "bar lost when adding a local package"

step "unresolvable request refused, nothing changed"
before=$(snapshot)
expect_error "nothing provides libmissing needed by baz-1.0-1.noarch" dctl install baz
expect_error "conflicts with" dctl install qux
expect_error "no package provides nosuchpkg" dctl install nosuchpkg
[ "$(snapshot)" = "$before" ] || fail "a refused install changed the sysroot"

step "uninstall"
dctl uninstall bar >/dev/null
d=$(default_deployment_dir)
[ ! -e "$d/usr/bin/bar" ] || fail "bar still installed"
[ ! -e "$d/usr/lib/libfoo.txt" ] || fail "libfoo (only needed by bar) still installed"
[ -x "$d/usr/bin/localtool" ] || fail "localtool lost by uninstalling bar"
expect_error "not layered" dctl uninstall bar
dctl uninstall localtool >/dev/null
[ "$(dctl status --json | json_field 'd["deployments"][0]["commit"]')" = "$base" ] ||
    fail "with nothing layered the base commit itself is deployed"

step "override remove / reset, reset"
before=$(snapshot)
expect_error "cannot resolve" dctl override remove filesystem
[ "$(snapshot)" = "$before" ] || fail "a refused override changed the sysroot"
dctl override remove base-files >/dev/null
d=$(default_deployment_dir)
[ ! -e "$d/usr/lib/os-release" ] || fail "base-files still installed"
[ "$(dctl status --json | json_field 'd["deployments"][0]["removed_packages"]')" = "['base-files']" ] ||
    fail "removed_packages"
dctl override reset --all >/dev/null
[ "$(dctl status --json | json_field 'd["deployments"][0]["commit"]')" = "$base" ] ||
    fail "override reset --all gives the base back"
dctl install bar >/dev/null
dctl override remove base-files >/dev/null
[ -x "$(default_deployment_dir)/usr/bin/bar" ] || fail "install + override together"
dctl reset >/dev/null
dctl status --json > st.json
[ "$(json_field 'd["deployments"][0]["commit"]' < st.json)" = "$base" ] || fail "reset"
[ "$(json_field 'd["deployments"][0]["layered_packages"] + d["deployments"][0]["removed_packages"]' < st.json)" = "[]" ] ||
    fail "reset clears the requests"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck"
echo PASS
