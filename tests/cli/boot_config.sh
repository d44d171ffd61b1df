#!/usr/bin/env bash
# Boot configuration a boot loader can read: kernel paths for the layout, default kernel
# arguments (sysroot-wide, the commit's, the tree's kargs.d) on the very first deployment, and
# the grub.cfg menu from [Boot] of the booted deployment's /etc/deployd.conf.
. "$(dirname "$0")/lib/common.sh"

opts() { grep '^options ' "$(default_entry)" | sed 's/^options //'; }

step "init --karg: bad arguments are refused, nothing created"
expect_error "is not allowed" dctl init --os testos --karg "x;reboot"
[ ! -e "$SR" ] || fail "a refused init left $SR behind"
expect_error "boot layout must be" dctl init --os testos --boot-layout separate
[ ! -e "$SR" ] || fail "a refused init left $SR behind"

step "the first deployment boots with the sysroot-wide and the tree's arguments"
dctl init --os testos --karg root=LABEL=root --karg console=ttyS0,115200 >/dev/null
[ "$(dctl kargs --sysroot-default)" = "root=LABEL=root console=ttyS0,115200" ] ||
    fail "sysroot defaults: $(dctl kargs --sysroot-default)"
"$DEPLOYCTL" repo init --repo "$REMOTE"
make_tree "$TREE" 1.0
mkdir -p "$TREE/usr/lib/kargs.d"
printf '# the tree asks for these\nquiet rw\n' > "$TREE/usr/lib/kargs.d/10-base.kargs"
printf '["console=ttyS0,115200", "loglevel=3"]\n' > "$TREE/usr/lib/kargs.d/20-log.kargs"
commit_version 1.0 >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/stable >/dev/null
o=$(opts)
echo "options: $o"
[ "${o% deploy=*}" = "root=LABEL=root console=ttyS0,115200 quiet rw loglevel=3" ] ||
    fail "first deployment's kargs: $o"
[ "$(dctl kargs)" = "root=LABEL=root console=ttyS0,115200 quiet rw loglevel=3" ] ||
    fail "kargs shows $(dctl kargs)"

step "boot/ is a directory of the sysroot's filesystem: kernel paths start with /boot/"
grep -q '^linux /boot/testos/[0-9a-f]*/vmlinuz-6.1.0$' "$(default_entry)" ||
    fail "BLS linux path: $(grep ^linux "$(default_entry)")"
grep -q '^initrd /boot/testos/' "$(default_entry)" || fail "BLS initrd path"
grep -q '^    linux /boot/testos/' "$SR/boot/loader/grub.cfg" || fail "grub.cfg linux path"
k=$(sed -n 's/^linux //p' "$(default_entry)")
[ -f "$SR$k" ] || fail "$k does not exist below the sysroot (what GRUB resolves)"
[ "$(readlink "$SR/boot/grub/grub.cfg")" = ../loader/grub.cfg ] || fail "boot/grub/grub.cfg link"
check_consistent

step "kargs --sysroot-default edits deployd.json only"
before=$(snapshot)
out=$(dctl kargs --sysroot-default --append nomodeset --delete console)
[ "$out" = "root=LABEL=root nomodeset" ] || fail "edited defaults: $out"
expect_rc 77 dctl kargs --sysroot-default --append nomodeset >/dev/null
[ "$(snapshot)" = "$before" ] || fail "kargs --sysroot-default touched the deployments"
expect_error "is not allowed" dctl kargs --sysroot-default --append 'x$y' 
expect_error "needs --sysroot" "$DEPLOYCTL" --bus-address unix:path=/nonexistent kargs --sysroot-default
dctl kargs --sysroot-default --json | grep -q '"nomodeset"' || fail "--json"

step "upgrade: the tree's change of kargs.d is applied, the admin's edits kept"
dctl kargs --append admin=1 --delete loglevel >/dev/null
make_tree "$TREE" 2.0
mkdir -p "$TREE/usr/lib/kargs.d"
printf 'rw splash\n' > "$TREE/usr/lib/kargs.d/10-base.kargs"
printf '["console=ttyS0,115200", "loglevel=3"]\n' > "$TREE/usr/lib/kargs.d/20-log.kargs"
commit_version 2.0 >/dev/null
dctl upgrade >/dev/null
o=$(opts)
echo "options: $o"
[ "${o% deploy=*}" = "root=LABEL=root console=ttyS0,115200 rw admin=1 splash" ] ||
    fail "upgraded kargs: $o"

step "a malformed kargs.d file fails the deploy, nothing changes"
make_tree "$TREE" 3.0
mkdir -p "$TREE/usr/lib/kargs.d"
printf '[1]\n' > "$TREE/usr/lib/kargs.d/10-bad.kargs"
commit_version 3.0 >/dev/null
before=$(snapshot)
expect_error "10-bad.kargs: JSON kernel arguments must be strings" dctl upgrade
[ "$(snapshot)" = "$before" ] || fail "failed deploy changed the sysroot"

step "grub.cfg menu from [Boot] of the booted deployment's /etc/deployd.conf"
grep -q '^set timeout=5$' "$SR/boot/loader/grub.cfg" || fail "default timeout"
grep -q '^terminal_output console$' "$SR/boot/loader/grub.cfg" || fail "default terminal"
reboot_into_default
booted=$(deployment_dir 0)
printf '[Daemon]\nIdleExitTimeout=60\n\n[Boot]\nTimeout=0\nTerminal=both\nSerialSpeed=38400\n' \
    > "$booted/etc/deployd.conf"
dctl kargs --append menu=1 >/dev/null
cfg="$SR/boot/loader/grub.cfg"
grep -q '^set timeout=0$' "$cfg" || fail "Timeout=0 not applied"
grep -q '^serial --unit=0 --speed=38400$' "$cfg" || fail "serial line"
grep -q '^terminal_input serial console$' "$cfg" || fail "terminal_input"
check_grub_cfg
[ "$(grep -c '^menuentry ' "$cfg")" = "$(ls "$SR"/boot/loader/entries/*.conf | wc -l)" ] ||
    fail "not every deployment is in grub.cfg"
grep -q "^menuentry 'testos 2.0 ([0-9a-f]*\.[0-9])' {" "$cfg" || fail "readable titles: $(grep menuentry "$cfg")"

step "a bad [Boot] setting stops the switch with the file and line, nothing changes"
printf '[Boot]\nTimeout=never\n' > "$booted/etc/deployd.conf"
before=$(snapshot)
expect_error "etc/deployd.conf:2: Timeout" dctl rollback
[ "$(snapshot)" = "$before" ] || fail "refused rollback changed the sysroot"
rm "$booted/etc/deployd.conf"

step "init --boot-layout partition: paths relative to the boot filesystem"
SR="$WORK/sysroot2"
dctl init --os testos --boot-layout partition >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
make_tree "$TREE" 4.0
commit_version 4.0 >/dev/null
dctl rebase origin:os/stable >/dev/null
grep -q '^linux /testos/[0-9a-f]*/vmlinuz-6.1.0$' "$(default_entry)" ||
    fail "partition layout linux path: $(grep ^linux "$(default_entry)")"
grep -q '"boot_layout": "partition"' "$SR/deployd.json" || fail "layout not recorded"
check_consistent
echo PASS
