#!/bin/sh
# Runs in the booted guest (vm-test.service): reports the booted deployment on the serial
# console, runs the steps the host passed through fw_cfg (opt/vmtest/steps), reports, powers off.
# Each line is written with a fresh open of the tty: serial-getty's vhangup breaks a long-held fd.
say() { echo "VMTEST $*" > /dev/ttyS0; }
booted=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^deploy=//p')
say "booted $booted"
modprobe qemu_fw_cfg 2>/dev/null
steps=$(cat /sys/firmware/qemu_fw_cfg/by_name/opt/vmtest/steps/raw 2>/dev/null)
repo_path=$(cat /sys/firmware/qemu_fw_cfg/by_name/opt/vmtest/repo/raw 2>/dev/null)
# Extra global options: "--sysroot /sysroot" runs the engine in-process (no daemon).
dctl_opts=$(cat /sys/firmware/qemu_fw_cfg/by_name/opt/vmtest/dctl/raw 2>/dev/null)
PATH=$PATH:/usr/local/bin
dctl() { deployctl $dctl_opts "$@"; }
# The update repository is on the second disk (label vmrepo), mounted where the image's
# origin remote points (the build host's path).
if [ -n "$repo_path" ] && [ -b /dev/vdb ]; then
    mkdir -p "$repo_path" && mount -o ro /dev/vdb "$repo_path" || say "error mount repo disk"
fi
for step in $steps; do
    case $step in
        status) say "status $(dctl --json status 2>&1 | tr -d '\n')"
                # What the bus and systemd know of deployd, for the serial log.
                say "diag activatable: $(busctl list --activatable 2>&1 | grep -c deployd)"
                say "diag unit: $(systemctl status deployd.service 2>&1 | tail -n 5 | tr '\n' '|')" ;;
        upgrade) dctl upgrade > /tmp/out 2>&1; say "upgrade rc=$? $(tail -n1 /tmp/out)" ;;
        rollback) dctl rollback > /tmp/out 2>&1; say "rollback rc=$? $(tail -n1 /tmp/out)" ;;
        fsck) deployctl repo fsck --repo /sysroot/repo > /tmp/out 2>&1
              say "fsck rc=$? $(tail -n1 /tmp/out)" ;;
        # Power-cut runs: start the upgrade, say so, and let the host kill QEMU at some moment.
        upgrade-slow) say "upgrade-started"; dctl upgrade > /tmp/out 2>&1
                      say "upgrade rc=$? $(tail -n1 /tmp/out)"; sync; sleep 30 ;;
        *) say "error unknown step $step" ;;
    esac
done
say "done"
systemctl poweroff
