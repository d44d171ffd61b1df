#!/usr/bin/env bash
# Package layering through deployd: install (with a dependency, and a local .rpm passed as a file
# descriptor the daemon could not open by path), uninstall, override remove/reset, reset,
# upgrade --preview with the package diff of the new base, status --json; the daemon's private
# copies of local packages are gone when each transaction ends; Busy and join as for every method.
. "$TESTS_DIR/daemon/fixture.sh"
. "$TESTS_DIR/cli/lib/layering.sh"

json_field() {  # json_field EXPR  (reads JSON on stdin)
    python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"
}
field() { dctl status --json | json_field "d['deployments'][0]['$1']"; }
# The daemon's temporary directory: empty whenever no transaction runs.
DTMP=$WORK/deployd-tmp
mkdir -p "$DTMP"
no_temp_copies() {
    [ -z "$(ls -A "$DTMP")" ] || fail "temporary package copies left: $(ls -A "$DTMP")"
}

# The fixture's sysroot is replaced by one deployed from a composed (RPM-based) base.
build_fixture_repo
REMOTE=$WORK/remote
"$DEPLOYCTL" repo init --repo "$REMOTE" >/dev/null
write_treefile "$WORK/tf.json" os/base 1.0
base=$("$DEPLOYCTL" compose --repo "$REMOTE" "$WORK/tf.json")
rm -rf "$SYSROOT"
lctl init --os testos >/dev/null
lctl remote add origin "file://$REMOTE" >/dev/null
lctl rebase origin:os/base >/dev/null
write_yum_repo "$SYSROOT$(lctl status --json | json_field 'd["deployments"][0]["path"]')/etc"
start_daemon TMPDIR="$DTMP"
deployment() { echo "$SYSROOT$(field path)"; }

# install with a dependency.
dctl install bar >"$WORK/out" || fail "install bar"
grep -q "^Deployed 1.0 " "$WORK/out" || fail "install output: $(cat "$WORK/out")"
[ "$(field layered_packages)" = "['bar']" ] || fail "layered_packages: $(field layered_packages)"
[ "$(field base_commit)" = "$base" ] || fail "base_commit"
d=$(deployment)
[ -x "$d/usr/bin/bar" ] || fail "bar not installed"
grep -q 'libfoo 1.0' "$d/usr/lib/libfoo.txt" || fail "dependency libfoo not installed"
grep -q "\[tx [0-9a-f]*\] starting install" "$WORK/deployd.log" || fail "install not logged"

# A local package: the client opens it in a mount namespace of its own, so the daemon cannot
# reach it by path; it gets the descriptor.
mkdir -p "$WORK/private"
unshare -m sh -c 'mount -t tmpfs private "$1" && cp "$2" "$1/" &&
    exec "$3" --bus-address "$4" install "$1/localtool-2.0-1.noarch.rpm"' \
    sh "$WORK/private" "$RPMOUT/localtool-2.0-1.noarch.rpm" "$DEPLOYCTL" "$BUS" >"$WORK/out" ||
    fail "install of a local package by descriptor: $(cat "$WORK/out")"
[ ! -e "$WORK/private/localtool-2.0-1.noarch.rpm" ] || fail "the package was visible to the daemon"
[ "$(field layered_packages)" = "['bar', 'localtool-2.0-1.noarch.rpm']" ] ||
    fail "layered_packages with a local package: $(field layered_packages)"
d=$(deployment)
[ -x "$d/usr/bin/localtool" ] && [ -x "$d/usr/bin/bar" ] || fail "localtool or bar missing"
no_temp_copies
# Installed twice: the engine's error, and the copy is still removed.
expect_fail 1 "^error: .*localtool-2\.0-1\.noarch\.rpm is already layered" \
    dctl install "$RPMOUT/localtool-2.0-1.noarch.rpm"
no_temp_copies
expect_fail 1 "^error: cannot open $WORK/nope\.rpm: No such file or directory" \
    dctl install bar "$WORK/nope.rpm"

# uninstall (by name; a local package by its package name).
dctl uninstall bar >/dev/null || fail "uninstall bar"
d=$(deployment)
[ ! -e "$d/usr/bin/bar" ] && [ ! -e "$d/usr/lib/libfoo.txt" ] || fail "bar or libfoo still there"
[ -x "$d/usr/bin/localtool" ] || fail "localtool lost"
expect_fail 1 "^error: package 'bar' is not layered" dctl uninstall bar
dctl uninstall localtool >/dev/null || fail "uninstall localtool"
[ "$(field commit)" = "$base" ] || fail "with nothing layered the base itself is deployed"

# override remove, then reset by name and with --all; status shows removed_packages.
dctl override remove base-files >/dev/null || fail "override remove"
[ "$(field removed_packages)" = "['base-files']" ] || fail "removed_packages: $(field removed_packages)"
[ ! -e "$(deployment)/usr/lib/os-release" ] || fail "base-files still installed"
dctl override reset base-files >/dev/null || fail "override reset base-files"
[ "$(field commit)" = "$base" ] && [ "$(field removed_packages)" = "[]" ] || fail "override reset"
dctl override remove base-files >/dev/null
dctl override reset --all >/dev/null || fail "override reset --all"
[ "$(field removed_packages)" = "[]" ] || fail "override reset --all"

# override replace reaches the engine with the package as a descriptor: libfoo is no base
# package, so the engine refuses it; nothing changes, no copy is left. base-files 1.1 replaces.
before=$(snapshot)
expect_fail 1 "does not replace a base package" dctl override replace "$RPMOUT"/upgrade/libfoo-1.1-1.noarch.rpm
grep -q "starting override-replace" "$WORK/deployd.log" || fail "override replace did not run"
[ "$(snapshot)" = "$before" ] || fail "a refused override replace changed the sysroot"
no_temp_copies
expect_fail 1 "^error: cannot open $WORK/nope\.rpm" dctl override replace "$WORK/nope.rpm"
dctl override replace "$RPMOUT"/replace/base-files-1.1-1.noarch.rpm >/dev/null ||
    fail "override replace through the daemon"
[ "$(field replaced_packages)" = "['base-files-1.1-1.noarch.rpm']" ] ||
    fail "replaced_packages after override replace: $(field replaced_packages)"
grep -q "^VERSION=1.1$" "$(deployment)/usr/lib/os-release" ||
    fail "base-files 1.1 not deployed through the daemon"
no_temp_copies

# reset drops layering and overrides together.
dctl install bar >/dev/null
dctl override remove base-files >/dev/null
dctl reset >/dev/null || fail "reset"
[ "$(field commit)" = "$base" ] || fail "reset deploys the base"
[ "$(field layered_packages)$(field removed_packages)$(field replaced_packages)" = "[][][]" ] ||
    fail "reset clears requests"

# status --json through the daemon is the engine's.
dctl install bar >/dev/null
dctl override remove base-files >/dev/null
[ "$(dctl status --json)" = "$(lctl status --json)" ] || fail "status differs from --sysroot"
dctl status --json | json_field 'd["deployments"][0]["removed_packages"]' | grep -q base-files ||
    fail "removed_packages over the bus"

# upgrade --preview: base 2.0 adds libfoo 1.1; nothing is deployed.
rc=0
dctl upgrade --preview >/dev/null || rc=$?
[ $rc = 77 ] || fail "upgrade --preview when current: exit $rc"
publish_libfoo_upgrade
write_treefile "$WORK/tf.json" os/base 2.0
sed -i 's/"base-files"\]/"base-files", "libfoo"]/' "$WORK/tf.json"
base2=$("$DEPLOYCTL" compose --repo "$REMOTE" "$WORK/tf.json")
before=$(snapshot)
dctl upgrade --preview >"$WORK/out" || fail "upgrade --preview"
grep -q "^Update available: 2.0 (commit $base2)" "$WORK/out" || fail "preview: $(cat "$WORK/out")"
grep -q '^Added:      libfoo-1.1-1.noarch$' "$WORK/out" || fail "preview diff: $(cat "$WORK/out")"
dctl --json upgrade --preview >"$WORK/preview.json"
[ "$(json_field 'd["outcome"], d["package_diff"]["added"]' <"$WORK/preview.json")" = \
    "('update-available', ['libfoo-1.1-1.noarch'])" ] || fail "preview JSON: $(cat "$WORK/preview.json")"
[ "$(lctl --json upgrade --preview)" = "$(cat "$WORK/preview.json")" ] || fail "preview differs"
[ "$(snapshot)" = "$before" ] || fail "upgrade --preview changed the sysroot"
grep -q "starting upgrade-preview" "$WORK/deployd.log" || fail "no upgrade-preview transaction"

# The upgrade itself re-applies the layering on the new base.
dctl upgrade >/dev/null || fail "upgrade"
[ "$(field version)" = "2.0" ] && [ "$(field base_commit)" = "$base2" ] || fail "upgrade to 2.0"
[ "$(field layered_packages)$(field removed_packages)" = "['bar']['base-files']" ] ||
    fail "requests kept across the upgrade"

# Busy and join, as for every mutating method.
stop_daemon
start_daemon TMPDIR="$DTMP" DEPLOYD_FAULT_DELAY_MS=300
dctl uninstall bar >"$WORK/first.out" 2>"$WORK/first.err" &
first=$!
wait_for sh -c "busctl --address='$BUS' get-property org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 ActiveTransaction | grep -q Transaction"
expect_fail 1 '^error: busy: uninstall \(tx [0-9a-f]+\)' dctl reset
expect_fail 1 '^error: busy: uninstall' dctl install "$RPMOUT/localtool-2.0-1.noarch.rpm"
dctl uninstall bar >"$WORK/second.out" 2>"$WORK/second.err" ||
    fail "joined uninstall failed: $(cat "$WORK/second.err")"
wait $first || fail "first uninstall failed: $(cat "$WORK/first.err")"
[ "$(grep '^Deployed' "$WORK/first.out")" = "$(grep '^Deployed' "$WORK/second.out")" ] ||
    fail "joined result differs"
grep -q "joins uninstall" "$WORK/deployd.log" || fail "no join in the log"
no_temp_copies
kill -0 "$DAEMON_PID" || fail "deployd died"
echo "daemon_layering: ok"
