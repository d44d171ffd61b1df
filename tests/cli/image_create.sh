#!/usr/bin/env bash
# image create: a raw disk with a partition table, an ext4 root holding the sysroot with the ref
# deployed (root=UUID of that filesystem in the entry), GRUB in the MBR gap (BIOS), on an ESP
# (EFI), both (hybrid GPT + bios_grub), a separate /boot, qcow2; bad input is one error line
# and leaves an existing output untouched. Boots are in tests/vm/.
. "$(dirname "$0")/lib/common.sh"

for tool in sfdisk mkfs.ext4 debugfs grub-mkimage mdir qemu-img; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/install-deps.sh)"; exit 77; }
done
[ -f /usr/lib/grub/i386-pc/boot.img ] && [ -d /usr/lib/grub/x86_64-efi ] ||
    { echo "SKIP: grub-pc-bin / grub-efi-amd64-bin missing"; exit 77; }

"$DEPLOYCTL" repo init --repo "$REMOTE" >/dev/null
make_tree "$TREE" 1.0
mkdir -p "$TREE/sysroot"
commit=$(commit_version 1.0)

# part_json IMG ROLE FIELD: a partition's field from image create --json output in $WORK/out.json
part() { json_field "[p for p in d['partitions'] if p['role']=='$1'][0]['$2']" < "$WORK/out.json"; }
# The ext4 filesystem of partition ROLE, as a file (debugfs has no offset option).
extract() {
    dd if="$1" of="$WORK/$2.fs" bs=1M skip=$(($(part "$2" start) / 1048576)) \
        count=$(($(part "$2" size) / 1048576)) status=none
    echo "$WORK/$2.fs"
}
fs_cat() { debugfs -R "cat $2" "$1" 2>/dev/null; }

step "BIOS, one partition"
"$DEPLOYCTL" --json image create --repo "$REMOTE" --ref os/stable --os testos --size 96M \
    --karg console=ttyS0 disk.img > "$WORK/out.json"
[ "$(stat -c %s disk.img)" = $((96 * 1048576)) ] || fail "image size"
sfdisk --json disk.img > table.json
[ "$(json_field "d['partitiontable']['label']" < table.json)" = dos ] || fail "not an MBR table"
[ "$(json_field "d['partitiontable']['partitions'][0].get('bootable')" < table.json)" = True ] ||
    fail "root partition not active"
# The MBR boot code is GRUB's boot.img with the core.img sector patched in (0x5c).
cmp -n 92 disk.img /usr/lib/grub/i386-pc/boot.img || fail "MBR is not GRUB's boot.img"
[ "$(od -An -tx1 -j510 -N2 disk.img | tr -d ' ')" = 55aa ] || fail "no MBR signature"
dd if=disk.img bs=512 skip=1 count=1 status=none | grep -q . || fail "no core.img at sector 1"
root=$(extract disk.img root)
uuid=$(part root uuid)
blkid -o value -s UUID "$root" | grep -qx "$uuid" || fail "root fs UUID is not $uuid"
fs_cat "$root" /deployd.json | grep -q testos || fail "no sysroot in the root fs"
dep=$(json_field "d['deployment']" < "$WORK/out.json")
[ "$dep" = "deploy/testos/$commit.0" ] || fail "deployment $dep"
debugfs -R "stat /$dep/usr/bin/tool" "$root" 2>/dev/null | grep -q "Mode:  0755" || fail "tool mode"
[ "$(debugfs -R 'stat /boot/grub/grub.cfg' "$root" 2>/dev/null | grep -o 'Fast link dest: "[^"]*"')" \
    = 'Fast link dest: "../loader/grub.cfg"' ] || fail "grub.cfg pointer"
debugfs -R 'ls /boot/grub/i386-pc' "$root" 2>/dev/null | grep -q normal.mod || fail "BIOS modules"
loader=$(debugfs -R 'stat /boot/loader' "$root" 2>/dev/null | sed -n 's/.*Fast link dest: "\(.*\)"/\1/p')
entry=$(fs_cat "$root" "/boot/$loader/entries/deployd-testos-01.conf")
echo "$entry" | grep -q "^options root=UUID=$uuid rw console=ttyS0 deploy=/$dep" ||
    fail "entry options: $entry"

step "EFI + separate /boot, qcow2"
"$DEPLOYCTL" --json image create --repo "$REMOTE" --ref os/stable --os testos --size 200M \
    --bootloader grub-efi --boot-partition --boot-size 64M --qcow2 efi.qcow2 > "$WORK/out.json"
qemu-img info efi.qcow2 | grep -q "file format: qcow2" || fail "not qcow2"
qemu-img convert -O raw efi.qcow2 efi.img
[ "$(sfdisk --json efi.img | json_field "d['partitiontable']['label']")" = gpt ] || fail "not GPT"
MTOOLS_SKIP_CHECK=1 mdir -b -i "efi.img@@$(part esp start)" ::/EFI/BOOT | grep -q BOOTX64.EFI ||
    fail "no BOOTX64.EFI on the ESP"
boot=$(extract efi.img boot)
debugfs -R 'ls /grub/x86_64-efi' "$boot" 2>/dev/null | grep -q normal.mod || fail "EFI modules"
debugfs -R 'stat /boot' "$boot" 2>/dev/null | grep -q 'Fast link dest: "."' || fail "boot -> ."
root=$(extract efi.img root)
fs_cat "$root" /deployd.json | grep -q testos || fail "no sysroot on the root partition"
[ -z "$(debugfs -R 'ls /boot' "$root" 2>/dev/null | tr -s ' ' | grep -v '^ *[0-9]* *(12) \. ')" ] ||
    debugfs -R 'ls /boot' "$root"
dep=$(json_field "d['deployment']" < "$WORK/out.json")
fs_cat "$root" "/$dep/etc/fstab" | grep -qx "UUID=$(part boot uuid) /boot ext4 defaults 0 2" ||
    fail "the deployment's fstab does not name the boot partition"

step "hybrid BIOS + EFI"
"$DEPLOYCTL" --json image create --repo "$REMOTE" --ref os/stable --os testos --size 160M \
    --bootloader grub-bios --bootloader grub-efi hybrid.img > "$WORK/out.json"
[ "$(json_field "[p['role'] for p in d['partitions']]" < "$WORK/out.json")" = \
    "['bios_grub', 'esp', 'root']" ] || fail "hybrid layout"
# boot.img points at core.img in bios_grub (LBA 2048 = 0x800 at 0x5c).
[ "$(od -An -tx1 -j92 -N8 hybrid.img | tr -d ' ')" = 0008000000000000 ] || fail "core.img LBA"

step "bad input: one error line, the existing output untouched"
sum=$(md5sum < disk.img)
expect_error "no ref 'nope'" "$DEPLOYCTL" image create --repo "$REMOTE" --ref nope --os testos \
    --size 96M disk.img
expect_error "invalid size '12Q'" "$DEPLOYCTL" image create --repo "$REMOTE" --ref os/stable \
    --os testos --size 12Q disk.img
expect_error "too small" "$DEPLOYCTL" image create --repo "$REMOTE" --ref os/stable --os testos \
    --size 8M disk.img
expect_error "not a repository\|no repository\|repo" "$DEPLOYCTL" image create --repo "$WORK/none" \
    --ref os/stable --os testos --size 96M disk.img
expect_error "invalid OS name" "$DEPLOYCTL" image create --repo "$REMOTE" --ref os/stable \
    --os '../x' --size 96M disk.img
expect_error "grub-bios" "$DEPLOYCTL" image create --repo "$REMOTE" --ref os/stable --os testos \
    --size 96M --bootloader lilo disk.img
# A tool missing from PATH (the /usr/bin ones can be hidden; sbin is always searched).
mkdir -p "$WORK/bin"; ln -sf "$(command -v grub-mkimage)" "$WORK/bin/"
expect_error "install the Debian package 'qemu-utils'" env PATH="$WORK/bin" \
    "$DEPLOYCTL" image create --repo "$REMOTE" --ref os/stable --os testos --size 96M --qcow2 disk.img
[ "$(md5sum < disk.img)" = "$sum" ] || fail "a failed run changed disk.img"
[ -z "$(ls -A "$WORK" | grep '^\.image-build')" ] || fail "build directory left behind"
echo "PASS"
