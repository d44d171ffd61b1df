#!/usr/bin/env bash
# power_cut.sh: start an upgrade in the guest and kill QEMU (SIGKILL, by -pidfile: the guest's
# page cache is lost, what QEMU wrote stays) at random moments. After each cut the next boot
# boots a complete deployment, the one status calls default, and repo fsck is clean.
. "$(dirname "$0")/lib.sh"
CUTS=${CUTS:-3}
require_tools
deb=$(product_deb)
has_prepare_root "$deb" ||
    skip "the package has no prepare-root yet (branch wip-boot): the guest cannot mount a deployment"
build_tree "$deb" 1
v1=$(commit_tree 1)
"$DEPLOYCTL" image create --repo "$WORK/repo" --ref os/stable --os "$OS" --size 3G $IMAGE_LAYOUT \
    --karg console=ttyS0 "$WORK/disk.img"
echo 2 > "$WORK/tree/usr/lib/vm-version"
v2=$(commit_tree 2)
make_repo_disk

for cut in $(seq 1 "$CUTS"); do
    # Cut somewhere between "upgrade started" and a few seconds after it would have finished.
    delay=$(( RANDOM % 14 ))
    step "cut $cut: kill QEMU ${delay}s after the upgrade starts"
    log=$WORK/cut$cut.log
    rm -f "$WORK/qemu.pid"
    ( timeout --kill-after=5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 \
        -nographic -serial "file:$log" -monitor none -no-reboot -pidfile "$WORK/qemu.pid" \
        -drive "file=$WORK/disk.img,format=raw,if=virtio" \
        -drive "file=$WORK/repo.img,format=raw,if=virtio,readonly=on" \
        -fw_cfg "name=opt/vmtest/steps,string=status upgrade-slow" \
        -fw_cfg "name=opt/vmtest/repo,string=$WORK/repo" \
        -fw_cfg "name=opt/vmtest/dctl,string=$(dctl_opts)" > /dev/null 2>&1 || true ) &
    runner=$!
    for _ in $(seq 1 "$BOOT_TIMEOUT"); do
        grep -q "VMTEST upgrade-started" "$log" 2>/dev/null && break
        sleep 1
    done
    grep -q "VMTEST upgrade-started" "$log" || { show_log "$log"; fail "cut $cut: guest never started the upgrade"; }
    sleep "$delay"
    kill -KILL "$(cat "$WORK/qemu.pid")" 2>/dev/null || true
    wait "$runner" || true
    step "after cut $cut: boot, status, fsck"
    boot "after$cut" status fsck
    booted=$(vm_line "$WORK/after$cut.log" booted)
    vm_line "$WORK/after$cut.log" status | python3 -c '
import json, sys
d = json.load(sys.stdin)["deployments"]
assert d[0]["path"] == sys.argv[1], ("default is not the booted one", d[0]["path"], sys.argv[1])
' "$booted" || { show_log "$WORK/after$cut.log"; fail "after cut $cut: booted $booted is not the default"; }
    vm_line "$WORK/after$cut.log" fsck | grep -q '^rc=0' ||
        { show_log "$WORK/after$cut.log"; fail "after cut $cut: repo fsck"; }
    echo "ok: cut $cut -> booted $booted (default), fsck clean"
    # Back to v1 for the next cut when the upgrade made it through.
    case $booted in "/deploy/$OS/$v2".*) boot "back$cut" rollback ;; esac
done
echo "PASS (${SECONDS} s)"
