#!/usr/bin/env bash
# boot.sh bios|efi: a real Debian 12 tree with the product installed from its own .deb and an
# initramfs from update-initramfs with our hook, committed (v1), `image create`, booted in QEMU
# (TCG). Inside the guest, through the system bus, systemd and polkit: status (booted = the
# deploy= one), upgrade to v2 from a second disk; reboot -> v2, rollback; reboot -> v1.
. "$(dirname "$0")/lib.sh"
FIRMWARE=${1:-bios}
require_tools
[ "$FIRMWARE" != efi ] || [ -f /usr/share/OVMF/OVMF_CODE.fd ] || skip "ovmf missing"

step "product package and OS tree"
deb=$(product_deb)
has_prepare_root "$deb" ||
    skip "the package has no prepare-root yet (branch wip-boot): the guest cannot mount a deployment"
build_tree "$deb" 1
v1=$(commit_tree 1)
step "image create ($FIRMWARE)"
"$DEPLOYCTL" image create --repo "$WORK/repo" --ref os/stable --os "$OS" --size 3G $IMAGE_LAYOUT \
    --bootloader "grub-$FIRMWARE" --karg console=ttyS0 "$WORK/disk.img"
echo 2 > "$WORK/tree/usr/lib/vm-version"
echo "vm-2" > "$WORK/tree/etc/hostname"
v2=$(commit_tree 2)
make_repo_disk

step "boot 1: v1, upgrade"
boot boot1 status upgrade
expect_booted boot1 "$v1"
vm_line "$WORK/boot1.log" upgrade | grep -q '^rc=0' || { show_log "$WORK/boot1.log"; fail "upgrade in the guest"; }
step "boot 2: v2, rollback"
boot boot2 status rollback
expect_booted boot2 "$v2"
vm_line "$WORK/boot2.log" rollback | grep -q '^rc=0' || { show_log "$WORK/boot2.log"; fail "rollback in the guest"; }
step "boot 3: v1 again"
boot boot3 status fsck
expect_booted boot3 "$v1"
vm_line "$WORK/boot3.log" fsck | grep -q '^rc=0' || { show_log "$WORK/boot3.log"; fail "repo fsck in the guest"; }
echo "PASS ($FIRMWARE, ${SECONDS} s)"
