#!/usr/bin/env bash
# Hostile or unlucky commits must never make the new default unbootable: kernel versions that
# would inject into a bootloader line are refused, kernel dirs on /boot are keyed on version and
# each file (same bytes under a new version, same concatenation split differently), kernel
# arguments with quoted spaces work end to end while GRUB metacharacters are refused, and a live
# entry with a second deploy= makes status and cleanup fail without deleting anything.
. "$(dirname "$0")/lib/common.sh"

# Commits $TREE with its kernel moved to usr/lib/modules/$1 (vmlinuz $2, initramfs $3 or none).
commit_kernel() {
    local kver=$1 vmlinuz=$2 initramfs=${3-} version=$4
    rm -rf "$TREE/usr/lib/modules"
    mkdir -p "$TREE/usr/lib/modules/$kver"
    printf '%s' "$vmlinuz" > "$TREE/usr/lib/modules/$kver/vmlinuz"
    [ -z "$initramfs" ] || printf '%s' "$initramfs" > "$TREE/usr/lib/modules/$kver/initramfs.img"
    commit_version "$version" >/dev/null
}
entry_file() { sed -n "s/^$1 //p" "$(default_entry)"; }

step "setup"
setup_deployed_sysroot

step "kernel versions that would inject into a boot entry are refused, nothing changes"
i=0
for kver in '6.1;reboot' '6.1 0 quiet' "6.1'\$(reboot)'" '6.1{x}' '-6.1'; do
    i=$((i + 1))
    commit_kernel "$kver" "K$i" "I$i" "bad.$i"
    before=$(snapshot)
    expect_error "invalid kernel version" dctl upgrade
    [ "$(snapshot)" = "$before" ] || fail "refused kernel '$kver' changed the sysroot"
done
check_consistent

step "same kernel bytes under a new version: each entry names files its dir holds"
commit_kernel 6.1.0 KERNEL INITRD 2.0
dctl upgrade >/dev/null
old_linux=$(entry_file linux)
commit_kernel 6.1.1 KERNEL INITRD 2.1
dctl upgrade >/dev/null
new_linux=$(entry_file linux)
[ "${new_linux##*/}" = vmlinuz-6.1.1 ] || fail "linux is $new_linux"
[ "$(dirname "$new_linux")" != "$(dirname "$old_linux")" ] || fail "kernel dir reused across versions"
[ "$(cat "$SR/boot$new_linux")" = KERNEL ] || fail "wrong kernel content"
[ "$(cat "$SR/boot$(entry_file initrd)")" = INITRD ] || fail "wrong initramfs content"
check_consistent

step "same concatenation split differently: each entry boots its own kernel"
commit_kernel 6.1.2 AB C 3.0
dctl upgrade >/dev/null
first=$(entry_file linux)
commit_kernel 6.1.2 A BC 3.1
dctl upgrade >/dev/null
[ "$(entry_file linux)" != "$first" ] || fail "same kernel dir for different kernels"
[ "$(cat "$SR/boot$(entry_file linux)")" = A ] || fail "default boots the wrong kernel"
[ "$(cat "$SR/boot$(entry_file initrd)")" = BC ] || fail "default has the wrong initramfs"
[ "$(cat "$SR/boot$first")" = AB ] || fail "rollback kernel changed"
check_consistent

step "a kernel dir with wrong content is replaced, not reused"
initrd=$(entry_file initrd)
rm "$SR/boot$initrd"; printf 'XX' > "$SR/boot$initrd"
dctl kargs --append quiet >/dev/null
[ "$(entry_file initrd)" = "$initrd" ] || fail "kernel dir moved"
[ "$(cat "$SR/boot$initrd")" = BC ] || fail "damaged initramfs reused"
check_consistent

step "kernel arguments with quoted spaces: accepted, shown, in BLS and grub.cfg, deleted"
dctl kargs --append 'foo="a b c"' --append 'bar=x y' >/dev/null
options=$(entry_file options)
case "$options" in
    'quiet foo="a b c" bar="x y" deploy='*) ;;
    *) fail "options line: $options" ;;
esac
[ "$(status_json | json_field 'd["deployments"][0]["kargs"]')" = "['quiet', 'foo=\"a b c\"', 'bar=\"x y\"']" ] ||
    fail "status kargs: $(status_json | json_field 'd["deployments"][0]["kargs"]')"
[ "$(dctl kargs)" = 'quiet foo="a b c" bar="x y"' ] || fail "kargs shows $(dctl kargs)"
grep -qF "quiet 'foo=a b c' 'bar=x y' deploy=" "$SR/boot/loader/grub.cfg" || fail "grub.cfg quoting"
check_grub_cfg
dctl kargs --delete 'foo=a b c' --delete 'bar="x y"' >/dev/null
case "$(entry_file options)" in 'quiet deploy='*) ;; *) fail "delete: $(entry_file options)" ;; esac

step "GRUB metacharacters, reserved keys and unparseable arguments are refused"
before=$(snapshot)
for bad in 'x;reboot' 'x=$(reboot)' "x='a'" 'x=`id`' '#x' 'x|y' 'x&y' 'x>y' 'x={a}' 'a\b' \
    'k="a;b c"' 'a"b' 'k="a" b' 'deploy=/deploy/testos/x.7' 'deployd.x=1'; do
    expect_error "invalid kernel argument" dctl kargs --append "$bad"
done
expect_error "2048" dctl kargs $(for i in $(seq 130); do printf -- '--append opt%03d=some-value ' "$i"; done)
[ "$(snapshot)" = "$before" ] || fail "refused kargs changed the sysroot"

step "a live entry with a second deploy=: status and cleanup fail, nothing is deleted"
check_consistent
ids=$(status_json | json_field '" ".join(x["id"] for x in d["deployments"])')
other=$(echo "$ids" | cut -d' ' -f2)
entry=$(readlink -f "$(default_entry)")
sed -i "s|^options |options deploy=/deploy/testos/$other |" "$entry"
before=$(snapshot)
expect_error "several deploy=" dctl status
expect_error "several deploy=" dctl cleanup
expect_error "several deploy=" dctl kargs --append splash
[ "$(snapshot)" = "$before" ] || fail "a command changed the sysroot despite a bad live entry"
for id in $ids; do
    [ -d "$SR/deploy/testos/$id/usr" ] || fail "deployment $id was deleted"
done
echo PASS
