#!/usr/bin/env bash
# Scriptlets run in the bubblewrap sandbox, chrooted in the new tree without network, each with
# its own log in the output: sh %pre/%post and a Lua %posttrans. A %post that appends to a file of
# the base changes only the new deployment: the store and the base deployment stay byte for byte
# (the store-protection case). A failing %pre aborts with nothing deployed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

step "fixtures and a composed base"
setup_composed_base
base_dir=$(default_deployment_dir)
base_listing=$(cd "$base_dir" && find . -printf '%p %s %i %m\n' | sort | md5sum)
os_release_before=$(cat "$base_dir/usr/lib/os-release")
stored_before=$("$DEPLOYCTL" repo cat --repo "$SR/repo" "$base" usr/lib/os-release)
[ "$stored_before" = "$os_release_before" ] || fail "fixture: base os-release differs from store"

step "install a package with sh and Lua scriptlets"
dctl install scripted > install.out || { cat install.out; fail "install scripted"; }
cat install.out
grep -q '^%pre of scripted-1.0-1.noarch: ok$' install.out || fail "no %pre log line"
grep -q '^  %pre: pre: installing scripted (install count 1)$' install.out ||
    fail "%pre output (with its argument) not in the transaction output"
grep -q '^%post of scripted-1.0-1.noarch: ok$' install.out || fail "no %post log line"
grep -q '^  %post: post: done$' install.out || fail "%post output missing"
grep -q '^%posttrans of scripted-1.0-1.noarch: ok$' install.out || fail "no Lua %posttrans log"
d=$(default_deployment_dir)
[ "$(cat "$d/usr/lib/scripted-pre")" = "pre-ran" ] || fail "%pre did not run in the tree"
[ "$(cat "$d/usr/lib/scripted-lua")" = "lua ran" ] || fail "Lua %posttrans did not run"
[ "$(cat "$d/usr/lib/scripted-netdevs")" = "1" ] ||
    fail "scriptlet saw network devices besides lo: $(cat "$d/usr/lib/scripted-netdevs")"
grep -q '^appended by scripted %post$' "$d/usr/lib/os-release" ||
    fail "the %post append is missing from the new deployment"
[ -f "$d/usr/share/scripted/payload" ] || fail "payload not installed"
[ ! -e "$d/tmp/scripted-leftover" ] || fail "scriptlet /tmp leaked into the tree"

step "the store and the base deployment are untouched by the append"
[ "$(cat "$base_dir/usr/lib/os-release")" = "$os_release_before" ] ||
    fail "the base deployment's os-release was written through"
[ "$(cd "$base_dir" && find . -printf '%p %s %i %m\n' | sort | md5sum)" = "$base_listing" ] ||
    fail "the base deployment changed"
[ "$("$DEPLOYCTL" repo cat --repo "$SR/repo" "$base" usr/lib/os-release)" = "$stored_before" ] ||
    fail "the stored os-release object changed"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "store corrupted"
# The new deployment's os-release is a different inode from the base's.
[ "$(stat -c %i "$d/usr/lib/os-release")" != "$(stat -c %i "$base_dir/usr/lib/os-release")" ] ||
    fail "the appended os-release shares the base's inode"
# No overlayfs bookkeeping reached the commit.
if getfattr -R -d -m trusted.overlay "$d" 2>/dev/null | grep -q trusted.overlay; then
    fail "trusted.overlay xattrs committed"
fi

step "a failing %pre aborts, nothing deployed"
before=$(snapshot)
expect_error "%pre of badpre-1.0-1.noarch failed" dctl install badpre
dctl install badpre > badpre.out 2>&1 && fail "badpre install succeeded"
grep -q 'badpre: refusing to install here' badpre.out || fail "the failing %pre's log is not shown"
[ "$(snapshot)" = "$before" ] || fail "a failed %pre changed the sysroot"
[ -z "$(ls "$SR/repo/tmp")" ] || fail "work files left in repo/tmp: $(ls "$SR/repo/tmp")"

step "without bubblewrap: a clear error, nothing deployed"
expect_error "bwrap (bubblewrap) is not installed" \
    env PATH=/nonexistent "$DEPLOYCTL" --sysroot "$SR" --cmdline-file "$CMDLINE" install bar
[ "$(snapshot)" = "$before" ] || fail "a refused install (no bwrap) changed the sysroot"
check_consistent
echo PASS
