#!/usr/bin/env bash
# The demo: a throw-away sysroot under build/demo, a generated OS tree committed as v1,
# deployed, /etc edited, v2 committed, upgraded, status, reboot (simulated), rollback; then a
# base composed from RPMs, rebased onto, and packages layered on it; a bootable disk image.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
D="$PWD/build/bin/deployctl"
DEMO="$PWD/build/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"
SR="$DEMO/sysroot"
CMDLINE="$DEMO/cmdline"
: > "$CMDLINE"
dctl() { "$D" --sysroot "$SR" --cmdline-file "$CMDLINE" "$@"; }
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

make_tree() {  # make_tree DIR VERSION
    local dir=$1 version=$2
    rm -rf "$dir"
    mkdir -p "$dir/usr/lib/modules/6.1.0" "$dir/usr/bin" "$dir/etc/ssh" "$dir/var/lib/demo"
    echo "demo kernel $version" > "$dir/usr/lib/modules/6.1.0/vmlinuz"
    echo "demo initramfs $version" > "$dir/usr/lib/modules/6.1.0/initramfs.img"
    printf 'NAME=demo-os\nVERSION=%s\n' "$version" > "$dir/usr/lib/os-release"
    printf '#!/bin/sh\necho demo tool %s\n' "$version" > "$dir/usr/bin/demo-tool"
    chmod 755 "$dir/usr/bin/demo-tool"
    echo "127.0.0.1 localhost" > "$dir/etc/hosts"
    echo "Welcome to demo-os $version" > "$dir/etc/motd"
    echo "PermitRootLogin no" > "$dir/etc/ssh/sshd_config"
    ln -s ../usr/lib/os-release "$dir/etc/os-release"
    echo "seeded on first deploy" > "$dir/var/lib/demo/state"
    for i in $(seq 1 200); do echo "library $i" > "$dir/usr/bin/lib$i.so"; done
}

say "1. A build server commits OS version 1.0 to a repository (the 'remote')"
make_tree "$DEMO/tree" 1.0
run "$D" repo init --repo "$DEMO/remote"
run "$D" repo commit --repo "$DEMO/remote" --branch demo/x86_64/stable --version 1.0 \
    --subject "Demo OS 1.0" "$DEMO/tree"
echo "(200 shared libraries, a kernel, /etc defaults moved to usr/etc at commit)"

say "2. A machine: create a sysroot, add the remote, deploy 1.0 (rebase)"
run dctl init --os demo
run dctl remote add origin "file://$DEMO/remote"
run dctl rebase origin:demo/x86_64/stable

say "3. Reboot into it (simulated: the default boot entry's options become the kernel command line)"
grep '^options ' "$SR"/boot/loader/entries/deployd-demo-01.conf | sed 's/^options //' | tee "$CMDLINE"
DEP="$SR$(sed 's/.*deploy=\([^ ]*\).*/\1/' "$CMDLINE")"

say "4. The admin edits /etc on the running system"
echo "PermitRootLogin yes   # admin's choice" > "$DEP/etc/ssh/sshd_config"
echo "10.0.0.5 build-server" >> "$DEP/etc/hosts"
echo "admin's own file" > "$DEP/etc/site.conf"
run dctl etc diff

say "5. The build server commits 1.1 (new motd, new sshd default, new tool)"
make_tree "$DEMO/tree" 1.1
echo "PermitRootLogin prohibit-password" > "$DEMO/tree/etc/ssh/sshd_config"
run "$D" repo commit --repo "$DEMO/remote" --branch demo/x86_64/stable --version 1.1 \
    --subject "Demo OS 1.1" "$DEMO/tree"
run "$D" repo diff --repo "$DEMO/remote" 'demo/x86_64/stable^' demo/x86_64/stable

say "6. Is there an update? (exit 0 = yes, 77 = no)"
run dctl upgrade --check || true

say "7. Upgrade: pull, new deployment, /etc 3-way merge, new boot entries, one atomic switch"
run dctl upgrade
echo "The booted deployment is untouched; the new one has the admin's /etc and the new defaults:"
NEW="$SR$(grep '^options ' "$SR"/boot/loader/entries/deployd-demo-01.conf | sed 's/.*deploy=\([^ ]*\).*/\1/')"
printf '  sshd_config: %s\n  motd:        %s\n  site.conf:   %s\n' \
    "$(cat "$NEW/etc/ssh/sshd_config")" "$(cat "$NEW/etc/motd")" "$(cat "$NEW/etc/site.conf")"

say "8. status (then the same as JSON for machines)"
run dctl status
run dctl --json status | head -n 25
echo "  ..."

say "9. Upgrade again: nothing to do (exit 77)"
rc=0; dctl upgrade || rc=$?; echo "exit code: $rc"

say "10. Reboot into 1.1, then roll back to 1.0 (one atomic boot-config switch, no tree work)"
grep '^options ' "$SR"/boot/loader/entries/deployd-demo-01.conf | sed 's/^options //' > "$CMDLINE"
ls -l "$SR/boot/loader" | sed 's/.*loader/loader/'
run dctl rollback
ls -l "$SR/boot/loader" | sed 's/.*loader/loader/'
run dctl status

say "11. Boot configuration (BLS entries and the generated grub.cfg, checked by grub-script-check)"
cat "$SR"/boot/loader/entries/*.conf
grub-script-check "$SR/boot/loader/grub.cfg" && echo "grub.cfg: OK (grub-script-check)"

say "12. A base composed from RPMs (libsolv resolves, librpm installs), and a rebase onto it"
# Fixture RPMs (a static busybox as /bin/sh, a kernel, a few packages) built from the test specs.
WORK="$DEMO/rpmwork" TESTS_DIR="$PWD/tests"
mkdir -p "$WORK"
fail() { echo "demo: $*" >&2; exit 1; }
. "$TESTS_DIR/cli/lib/layering.sh"
build_fixture_repo
write_treefile "$DEMO/treefile.json" demo/rpm/stable 2.0
cat "$DEMO/treefile.json"
run "$D" compose --repo "$DEMO/remote" "$DEMO/treefile.json"
run dctl rebase origin:demo/rpm/stable
echo "Reboot into it, and configure a package repository in /etc like for dnf:"
grep '^options ' "$SR"/boot/loader/entries/deployd-demo-01.conf | sed 's/^options //' > "$CMDLINE"
DEP="$SR$(sed 's/.*deploy=\([^ ]*\).*/\1/' "$CMDLINE")"
write_yum_repo "$DEP/etc"
cat "$DEP"/etc/yum.repos.d/*.repo

say "13. Layer packages: resolved with their dependencies, scriptlets run in a bubblewrap sandbox"
run dctl install bar scripted
run dctl status
run dctl db diff

say "14. A bootable disk image of 1.1: partition table, ext4 root holding a sysroot, GRUB (BIOS)"
PATH=$PATH:/usr/sbin:/sbin
run "$D" image create --repo "$DEMO/remote" --ref demo/x86_64/stable --os demo --size 256M \
    --karg console=ttyS0 "$DEMO/disk.img"
sfdisk --list "$DEMO/disk.img" | tail -n 2
echo "Boot it (the demo tree's kernel is a placeholder, so GRUB stops at 'invalid magic number';"
echo "ctest -L vm builds a real Debian tree and boots it the same way):"
QEMU="timeout 120 qemu-system-x86_64 -accel tcg -m 1024 -nographic -no-reboot"
QEMU+=" -drive file=$DEMO/disk.img,format=raw,if=virtio"
echo "  $QEMU"
if [ "${DEMO_BOOT:-0}" = 1 ]; then
    $QEMU -serial "file:$DEMO/serial.log" -display none < /dev/null || true
    tail -n 20 "$DEMO/serial.log"
fi

say "Done. The throw-away sysroot is at $SR"
