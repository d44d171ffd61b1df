#!/usr/bin/env bash
# deployd-prepare-root on a real sysroot written by deployctl, in a private mount namespace: the
# temp sysroot plays the physical root the initramfs mounted. Checks the resulting mounts with
# findmnt, and that hostile deploy= values are refused with one line, nothing left mounted.
. "$(dirname "$0")/lib/common.sh"

PREPARE_ROOT=${PREPARE_ROOT:-$(dirname "$DEPLOYCTL")/deployd-prepare-root}
[ -x "$PREPARE_ROOT" ] || fail "no $PREPARE_ROOT"
unshare -m true 2>/dev/null || { echo "SKIP: no mount namespaces here"; exit 77; }

# A tree as a distribution would ship it: mount points for /boot and /sysroot included.
"$DEPLOYCTL" repo init --repo "$REMOTE"
make_tree "$TREE" 1.0
mkdir -p "$TREE/boot" "$TREE/sysroot" "$TREE/proc" "$TREE/dev"
commit_version 1.0 >/dev/null
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/stable >/dev/null
reboot_into_default
DEPLOY=$(sed -n 's/.*deploy=\([^ ]*\).*/\1/p' "$CMDLINE")
[ -n "$DEPLOY" ] || fail "no deploy= in the default entry"

# Runs prepare-root on $SR in a fresh mount namespace (the sysroot bind-mounted on itself, as
# the initramfs mounts the physical root), then the check script $2 inside it.
in_namespace() {
    local cmdline=$1 check=$2
    unshare -m --propagation private bash -c '
        set -euo pipefail
        SR=$1 PREPARE_ROOT=$2 CMDLINE=$3
        mount --bind "$SR" "$SR"
        before=$(findmnt -rn -o TARGET | grep -c "^$SR" || true)
        rc=0
        "$PREPARE_ROOT" --root "$SR" --cmdline-file "$CMDLINE" 2>"$SR.err" || rc=$?
        after=$(findmnt -rn -o TARGET | grep -c "^$SR" || true)
        echo "rc=$rc mounts_before=$before mounts_after=$after"
        eval "$4"
    ' _ "$SR" "$PREPARE_ROOT" "$cmdline" "$check"
}

step "deploy=$DEPLOY becomes the root"
out=$(in_namespace "$CMDLINE" '
    findmnt -rn -o TARGET,OPTIONS | grep "^$SR" | sed "s|^$SR|ROOT|"
    echo "hosts: $(cat "$SR/etc/hosts")"
    echo "sysroot: $(cat "$SR/sysroot/deployd.json" | tr -d "\n ")"
    touch "$SR/etc/written" && echo "etc writable"
    touch "$SR/usr/written" 2>/dev/null || echo "usr read-only"
    touch "$SR/var/written" && echo "var written"
    ls "$SR/boot/loader/entries" | head -1
    findmnt -n -o FSROOT --target "$SR" | tail -1 | sed "s|^|fsroot: |"
') || fail "prepare-root run: $out"
echo "$out"
grep -q '^rc=0 ' <<<"$out" || fail "prepare-root failed: $(cat "$SR.err")"
grep -q '^ROOT/usr [^ ]*\bro\b' <<<"$out" || fail "/usr is not read-only"
grep -q '^ROOT/var ' <<<"$out" || fail "/var is not a mount"
grep -q '^ROOT/boot ' <<<"$out" || fail "/boot is not a mount"
grep -q '^ROOT/sysroot ' <<<"$out" || fail "/sysroot is not a mount"
grep -q '^hosts: 127.0.0.1 localhost' <<<"$out" || fail "/etc is not the deployment's"
grep -q '"os":"testos"' <<<"$out" || fail "/sysroot is not the physical root"
grep -q '^etc writable' <<<"$out" || fail "/etc not writable"
grep -q '^usr read-only' <<<"$out" || fail "/usr writable"
grep -q '^deployd-testos-01.conf' <<<"$out" || fail "/boot is not the physical root's boot/"
grep -q "^fsroot: .*$DEPLOY\$" <<<"$out" || fail "root is not $DEPLOY"
grep -q "root is $DEPLOY" "$SR.err" || fail "no summary line: $(cat "$SR.err")"
[ -e "$SR$DEPLOY/etc/written" ] || fail "/etc write did not reach the deployment"
[ -e "$SR/deploy/testos/var/written" ] || fail "/var write did not reach deploy/testos/var"
[ ! -e "$SR$DEPLOY/usr/written" ] || fail "/usr was written"
rm -f "$SR$DEPLOY/etc/written" "$SR/deploy/testos/var/written"

# Each hostile or broken command line: exit 1, one "error:" line naming the cause, and no mount
# left behind (the count of mounts under the root is what it was before).
refused() {
    local cmdline=$1 pattern=$2 out
    printf '%s\n' "$cmdline" > "$WORK/hostile"
    out=$(in_namespace "$WORK/hostile" 'true')
    grep -q '^rc=1 ' <<<"$out" || fail "'$cmdline' not refused ($out)"
    local before after
    before=$(sed -n 's/.*mounts_before=\([0-9]*\).*/\1/p' <<<"$out")
    after=$(sed -n 's/.*mounts_after=\([0-9]*\).*/\1/p' <<<"$out")
    [ "$before" = "$after" ] || fail "'$cmdline' left mounts behind ($out)"
    [ "$(wc -l < "$SR.err")" -eq 1 ] || fail "'$cmdline': not one line: $(cat "$SR.err")"
    grep -q "^deployd-prepare-root: error: .*$pattern" "$SR.err" ||
        fail "'$cmdline': error does not mention '$pattern': $(cat "$SR.err")"
    echo "ok (refused): $(cat "$SR.err")"
}

step "hostile and broken deploy= values"
mkdir -p "$WORK/outside/usr" "$WORK/outside/etc" "$WORK/outside/var" "$WORK/outside/boot" \
    "$WORK/outside/sysroot"
ln -s "$WORK/outside" "$SR/deploy/testos/evil.0"
ln -s ../../.. "$SR/deploy/testos/up.0"
refused "root=/dev/vda1 quiet" "no deploy= argument"
refused "deploy=" "deploy= is empty"
refused "deploy=deploy/testos/x.0" "not absolute"
refused "deploy=/deploy/testos/../../etc" "contains '..'"
refused "deploy=$DEPLOY/../../.." "contains '..'"
refused "deploy=/deploy/testos/missing.0" "does not exist"
refused "deploy=/deploy/testos/evil.0" "symlink"
refused "deploy=/deploy/testos/up.0" "symlink"
refused "deploy=/etc" "not a deployment"
refused "deploy=/deploy/testos/var" "not a deployment directory"
refused "deploy=/deploy/testos/.staging-x" "hidden"
refused "deploy=$DEPLOY boot=/dev/does-not-exist" "boot device /dev/does-not-exist"
refused "deploy=$DEPLOY boot=/etc/hosts" "not a block device"
refused "deploy=$DEPLOY boot=nonsense" "neither a /dev path"

step "a deployment whose /usr is a symlink is refused"
mv "$SR$DEPLOY/usr" "$WORK/real-usr"
ln -s "$WORK/outside/usr" "$SR$DEPLOY/usr"
refused "deploy=$DEPLOY" "mount point /usr of deployment"
rm "$SR$DEPLOY/usr"; mv "$WORK/real-usr" "$SR$DEPLOY/usr"

step "a deployment without /sysroot is refused"
rmdir "$SR$DEPLOY/sysroot"
refused "deploy=$DEPLOY" "mount point /sysroot"
mkdir "$SR$DEPLOY/sysroot"

step "--root that is not a mount point"
printf 'deploy=%s\n' "$DEPLOY" > "$WORK/good"
rc=0; err=$("$PREPARE_ROOT" --root "$WORK/outside" --cmdline-file "$WORK/good" 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "is not a mount point" <<<"$err" || fail "not refused: $rc $err"

step "a separate /boot partition (boot= on the command line, and the deployment's fstab)"
if losetup -f >/dev/null 2>&1 && truncate -s 16M "$WORK/boot.img" &&
    mkfs.ext4 -q -L dtestboot "$WORK/boot.img" && LOOP=$(losetup -f --show "$WORK/boot.img"); then
    trap 'losetup -d "$LOOP" 2>/dev/null; rm -rf "$WORK"' EXIT
    debugfs -w -R "mkdir loader.1" "$WORK/boot.img" >/dev/null 2>&1 || true
    printf 'deploy=%s boot=%s\n' "$DEPLOY" "$LOOP" > "$WORK/bootpart"
    out=$(in_namespace "$WORK/bootpart" '
        findmnt -rn -o TARGET,SOURCE | grep "^$SR" | sed "s|^$SR|ROOT|"
        ls "$SR/boot" "$SR/sysroot/boot"')
    echo "$out"
    grep -q '^rc=0 ' <<<"$out" || fail "boot= run failed: $(cat "$SR.err")"
    grep -q "^ROOT/sysroot/boot $LOOP" <<<"$out" || fail "boot partition not at /sysroot/boot"
    grep -q "^ROOT/boot $LOOP" <<<"$out" || fail "boot partition not at /boot"
    [ "$(grep -c '^loader.1$' <<<"$out")" = 2 ] || fail "boot partition content not visible"
    cp "$SR$DEPLOY/etc/fstab" "$WORK/fstab.orig" 2>/dev/null || true
    printf '# test\nLABEL=root / ext4 defaults 0 1\n%s /boot ext4 defaults,nofail 0 2\n' \
        "$LOOP" > "$SR$DEPLOY/etc/fstab"
    out=$(in_namespace "$CMDLINE" 'findmnt -rn -o TARGET,SOURCE | grep "^$SR" | sed "s|^$SR|ROOT|"')
    grep -q "^ROOT/boot $LOOP" <<<"$out" || fail "fstab /boot not mounted: $(cat "$SR.err")"
    grep -q "etc/fstab" "$SR.err" || fail "summary does not name the fstab: $(cat "$SR.err")"
    rm "$SR$DEPLOY/etc/fstab"
else
    echo "SKIP: no loop device for the boot partition case"
fi
echo "PASS"
