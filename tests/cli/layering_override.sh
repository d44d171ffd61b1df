#!/usr/bin/env bash
# override replace: a base package replaced by a local build, newer or older; the replacement is
# kept across later layering and undone by override reset. Bad files and packages that are not in
# the base are refused with nothing changed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

# pkg_version DIR NAME: the installed version of NAME in the rpmdb of deployment DIR (a copy is
# queried: sqlite writes beside a database even to read it).
pkg_version() {
    rm -rf "$WORK/qdb" && cp -a "$1/usr/lib/sysimage/rpm" "$WORK/qdb"
    rpm --dbpath "$WORK/qdb" -q --qf '%{VERSION}\n' "$2"
}
replaced() { dctl status --json | json_field 'd["deployments"][0]["replaced_packages"]'; }

step "a composed base"
setup_composed_base

step "override replace with a newer build"
dctl override replace "$RPMOUT"/replace/base-files-1.1-1.noarch.rpm | tee replace.out
[ "$(replaced)" = "['base-files-1.1-1.noarch.rpm']" ] || fail "replaced_packages: $(replaced)"
d=$(default_deployment_dir)
grep -q '^VERSION=1.1$' "$d/usr/lib/os-release" || fail "base-files 1.1 not in the tree"
[ "$(pkg_version "$d" base-files)" = "1.1" ] || fail "rpmdb does not record base-files 1.1"
dctl db diff | grep -q '^Upgraded:   base-files-1.0-1.noarch -> base-files-1.1-1.noarch$' ||
    fail "db diff shows the replacement"

step "an older build takes the newer one's place (downgrade)"
dctl override replace "$RPMOUT"/replace/base-files-0.9-1.noarch.rpm >/dev/null
[ "$(replaced)" = "['base-files-0.9-1.noarch.rpm']" ] || fail "replaced_packages: $(replaced)"
d=$(default_deployment_dir)
grep -q '^VERSION=0.9$' "$d/usr/lib/os-release" || fail "base-files 0.9 not in the tree"
[ "$(pkg_version "$d" base-files)" = "0.9" ] || fail "rpmdb does not record base-files 0.9"

step "refused: not a base package, not an rpm, not a .rpm; nothing changed"
before=$(snapshot)
expect_error "does not replace a base package" dctl override replace "$RPMOUT"/localtool-2.0-1.noarch.rpm
echo "not a package" > junk.rpm
expect_error "junk.rpm: not an rpm package" dctl override replace junk.rpm
expect_error "is not a .rpm file" dctl override replace tf.json
expect_error "missing.rpm" dctl override replace missing.rpm
[ "$(snapshot)" = "$before" ] || fail "a refused override replace changed the sysroot"
[ "$(ls "$SR/deploy/testos/var/lib/deployd/local-rpms")" = "$(printf 'base-files-0.9-1.noarch.rpm\nbase-files-1.1-1.noarch.rpm')" ] ||
    fail "refused files were kept: $(ls "$SR/deploy/testos/var/lib/deployd/local-rpms")"

step "the replacement stays with later layering"
dctl install bar >/dev/null
d=$(default_deployment_dir)
[ -x "$d/usr/bin/bar" ] || fail "bar not installed"
grep -q '^VERSION=0.9$' "$d/usr/lib/os-release" || fail "replacement lost by install"

step "override reset"
dctl override reset base-files >/dev/null
[ "$(replaced)" = "[]" ] || fail "replaced_packages after reset: $(replaced)"
d=$(default_deployment_dir)
grep -q '^VERSION=1.0$' "$d/usr/lib/os-release" || fail "base-files 1.0 not back"
[ -x "$d/usr/bin/bar" ] || fail "bar lost by override reset"
expect_error "is not overridden" dctl override reset base-files
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck"
check_consistent
echo PASS
