#!/usr/bin/env bash
# The boot switch is durable for a boot loader that reads the filesystem without replaying the
# journal (GRUB on ext4): right after each deploy/rollback, debugfs (which, like GRUB, reads the
# on-disk metadata and ignores the journal) already sees boot/loader pointing at the new
# loader.N. Runs on a real ext4 filesystem on a loop device, in a private mount namespace.
. "$(dirname "$0")/lib/common.sh"

command -v debugfs >/dev/null || { echo "SKIP: no debugfs (e2fsprogs)"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: no mount namespaces"; exit 77; }
truncate -s 96M "$WORK/disk.img"
mkfs.ext4 -q -F "$WORK/disk.img"
if ! losetup -f >/dev/null 2>&1; then echo "SKIP: no loop devices"; exit 77; fi

# Inside: common.sh again (for make_tree, dctl, fail) with SR on the mounted filesystem's root,
# so the sysroot is what a boot loader reads. on_disk: the target of boot/loader as GRUB sees it.
unshare -m --propagation private bash -c '
    set -euo pipefail
    . "$1"
    INNER=$WORK; WORK=$2; SR=$WORK/mnt; CMDLINE=$WORK/cmdline
    mkdir -p "$SR"
    mount -o loop "$WORK/disk.img" "$SR"
    trap "umount \"$SR\"; rm -rf \"$INNER\"" EXIT
    on_disk() { debugfs -R "stat /boot/loader" "$WORK/disk.img" 2>/dev/null |
                    sed -n "s/.*Fast link dest: \"\(.*\)\"/\1/p"; }
    "$DEPLOYCTL" repo init --repo "$WORK/remote"
    make_tree "$WORK/tree" 1.0
    "$DEPLOYCTL" repo commit --repo "$WORK/remote" --branch os/stable --version 1.0 "$WORK/tree" >/dev/null
    dctl init --os testos >/dev/null
    dctl remote add origin "file://$WORK/remote" >/dev/null
    dctl rebase origin:os/stable >/dev/null
    [ "$(on_disk)" = "$(readlink "$SR/boot/loader")" ] || fail "after the first deploy, on disk: $(on_disk), live: $(readlink "$SR/boot/loader")"
    echo "ok: first deploy: on-disk boot/loader -> $(on_disk)"
    make_tree "$WORK/tree" 2.0
    "$DEPLOYCTL" repo commit --repo "$WORK/remote" --branch os/stable --version 2.0 "$WORK/tree" >/dev/null
    start=$(date +%s%N)
    dctl upgrade >/dev/null
    echo "upgrade with the durable switch: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    [ "$(on_disk)" = "$(readlink "$SR/boot/loader")" ] || fail "after upgrade, on disk: $(on_disk), live: $(readlink "$SR/boot/loader")"
    echo "ok: upgrade: on-disk boot/loader -> $(on_disk)"
    dctl rollback >/dev/null
    [ "$(on_disk)" = "$(readlink "$SR/boot/loader")" ] || fail "after rollback, on disk: $(on_disk)"
    echo "ok: rollback: on-disk boot/loader -> $(on_disk)"
    # The old loader.N removal is on disk too: only the live one is listed.
    listed=$(debugfs -R "ls -l /boot" "$WORK/disk.img" 2>/dev/null | grep -o "loader\.[0-9]*" | sort -u)
    [ "$listed" = "$(readlink "$SR/boot/loader")" ] || fail "on-disk boot/ lists: $listed"
    # The entries GRUB reads are the live ones, on disk.
    debugfs -R "cat /boot/loader.$(readlink "$SR/boot/loader" | cut -d. -f2)/grub.cfg" "$WORK/disk.img" 2>/dev/null |
        cmp -s - "$SR/boot/loader/grub.cfg" || fail "on-disk grub.cfg differs from the live one"
    echo "ok: on-disk grub.cfg is the live one"
' _ "$TESTS_DIR/cli/lib/common.sh" "$WORK"
echo PASS
