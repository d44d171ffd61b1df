# Shared pieces of the VM boot tests: the OS tree, the product's .deb, the image, one boot.
# Sourced by boot.sh and power_cut.sh; they get $WORK (removed on exit unless VM_KEEP=1).
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=${SOURCE_DIR:-$(cd "$VM_DIR/../.." && pwd)}
: "${DEPLOYCTL:?DEPLOYCTL must point at build/bin/deployctl}"
VM_CACHE=${VM_CACHE:-$SOURCE_DIR/build/vm-cache}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
OS=vmos
# The image's boot layout: "--boot-partition" (a separate /boot, the default) or "" (boot/ a
# directory of the root filesystem). CTest runs BIOS with the directory and EFI with the partition.
IMAGE_LAYOUT=${IMAGE_LAYOUT---boot-partition}
WORK=$(mktemp -d /var/tmp/deployd-vm-XXXXXX)
MOUNTS=()
cleanup() {
    local m
    for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
    [ "${VM_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
skip() { echo "SKIP: $*"; exit 77; }

require_tools() {
    local t
    for t in qemu-system-x86_64 debootstrap dpkg-buildpackage sfdisk mkfs.ext4 grub-mkimage mcopy; do
        command -v "$t" >/dev/null || skip "$t missing (scripts/install-deps.sh)"
    done
    [ "$(id -u)" = 0 ] || skip "needs root (chroot, debootstrap)"
}

# The product's own Debian package, built from this source tree (cached on its content).
product_deb() {
    if [ "${VM_PRODUCT:-deb}" = cmake-install ]; then echo cmake-install; return; fi
    "$VM_DIR/build-deb.sh" "$VM_CACHE/deb"
}
# Without the package's D-Bus files in the system bus's directories the guest runs in-process.
dctl_opts() { [ "${VM_PRODUCT:-deb}" = cmake-install ] && echo "--sysroot=/sysroot" || echo " "; }
# Whether the product (package or build tree) has prepare-root; the guest cannot boot without.
has_prepare_root() {
    if [ "$1" = cmake-install ]; then
        [ -x "$(dirname "$DEPLOYCTL")/deployd-prepare-root" ]
    else
        # (not grep -q: with pipefail, dpkg-deb dying of SIGPIPE would read as "missing")
        dpkg-deb -c "$1" | grep -c prepare-root >/dev/null
    fi
}

# An OS tree at $WORK/tree: the cached base + the product from its .deb (apt-get, so its
# dependencies and maintainer scripts run) + the initramfs made by update-initramfs with our
# hook + the test driver unit. Kernel and initramfs move to usr/lib/modules/<kver>/.
build_tree() {
    local deb=$1 version=$2 t=$WORK/tree kver
    rm -rf "$t"; mkdir -p "$t"
    tar -C "$t" --numeric-owner --xattrs -xf "$("$VM_DIR/base-tree.sh" "$VM_CACHE")"
    for m in proc sys dev; do mount --bind "/$m" "$t/$m"; MOUNTS=("$t/$m" "${MOUNTS[@]}"); done
    if [ "$deb" = cmake-install ]; then
        # Developer shortcut (VM_PRODUCT=cmake-install): the build tree's install rules instead
        # of the package; CI always goes through the .deb.
        DESTDIR="$t" cmake --install "$(dirname "$DEPLOYCTL")/.." > "$WORK/install.log"
    else
        # Under its canonical name (apt looks the archive up by NAME_VERSION_ARCH.deb), without
        # --no-download (apt then fails on local archives: "Pathname to install is not absolute").
        local name
        name=deployd_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb
        cp "$deb" "$t/tmp/$name"
        chroot "$t" sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            ./$name" > "$WORK/apt.log" 2>&1 ||
            { tail -n 20 "$WORK/apt.log"; fail "apt-get install of the product's .deb failed"; }
        rm -f "$t/tmp/$name"
    fi
    install -m 0755 "$VM_DIR/guest-test.sh" "$t/usr/local/sbin/vm-test"
    cat > "$t/etc/systemd/system/vm-test.service" <<UNIT
[Unit]
Description=deployd VM test driver
After=basic.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vm-test
StandardOutput=journal+console
[Install]
WantedBy=multi-user.target
UNIT
    chroot "$t" systemctl enable vm-test.service > /dev/null 2>&1
    # Nothing that would race the test or slow a TCG boot.
    chroot "$t" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
        fstrim.timer systemd-timesyncd.service > /dev/null 2>&1 || true
    echo "vm-$version" > "$t/etc/hostname"
    echo "$version" > "$t/usr/lib/vm-version"
    kver=$(ls "$t/lib/modules" | head -n1)
    chroot "$t" update-initramfs -c -k "$kver" > "$WORK/initramfs.log" 2>&1 ||
        { tail -n 20 "$WORK/initramfs.log"; fail "update-initramfs failed"; }
    for m in proc sys dev; do umount "$t/$m"; done
    MOUNTS=()
    mv "$t/boot/vmlinuz-$kver" "$t/usr/lib/modules/$kver/vmlinuz"
    mv "$t/boot/initrd.img-$kver" "$t/usr/lib/modules/$kver/initramfs.img"
    rm -rf "$t/boot"/* "$t/vmlinuz" "$t/initrd.img" "$t/vmlinuz.old" "$t/initrd.img.old"
    mkdir -p "$t/sysroot"
    : > "$t/etc/fstab"
}

# commit_tree VERSION: commits $WORK/tree to $WORK/repo on os/stable; prints the commit.
commit_tree() {
    [ -d "$WORK/repo" ] || "$DEPLOYCTL" repo init --repo "$WORK/repo" > /dev/null
    "$DEPLOYCTL" repo commit --repo "$WORK/repo" --branch os/stable --version "$1" \
        --skip-special-files "$WORK/tree"
}

# The update repository as a read-only disk for the guest.
make_repo_disk() {
    local size
    size=$(( $(du -sm "$WORK/repo" | cut -f1) * 12 / 10 + 64 ))
    rm -f "$WORK/repo.img"
    mkfs.ext4 -q -L vmrepo -d "$WORK/repo" "$WORK/repo.img" "${size}M"
}

# boot NAME STEPS...: one boot of $WORK/disk.img; serial log at $WORK/NAME.log. Exit status of
# QEMU is ignored; the log says what happened. FIRMWARE=efi boots with OVMF.
boot() {
    local name=$1; shift
    local log=$WORK/$name.log fw=()
    if [ "${FIRMWARE:-bios}" = efi ]; then
        [ -f "$WORK/OVMF_VARS.fd" ] || cp /usr/share/OVMF/OVMF_VARS.fd "$WORK/"
        fw=(-drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd"
            -drive "if=pflash,format=raw,file=$WORK/OVMF_VARS.fd")
    fi
    local start=$SECONDS
    timeout --kill-after=5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 \
        -nographic -serial "file:$log" -monitor none -no-reboot -pidfile "$WORK/qemu.pid" \
        "${fw[@]}" \
        -drive "file=$WORK/disk.img,format=raw,if=virtio" \
        -drive "file=$WORK/repo.img,format=raw,if=virtio,readonly=on" \
        -fw_cfg "name=opt/vmtest/steps,string=$*" \
        -fw_cfg "name=opt/vmtest/repo,string=$WORK/repo" \
        -fw_cfg "name=opt/vmtest/dctl,string=$(dctl_opts)" > "$WORK/$name.qemu" 2>&1 || true
    echo "boot $name: $((SECONDS - start)) s"
    grep -q "VMTEST done" "$log" || { show_log "$log"; fail "boot $name did not finish its steps"; }
}

show_log() {
    echo "===== serial log $1 (last 80 lines) ====="
    tail -n 80 "$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'
    echo "====="
}

# vm_line LOG WORD: the text after "VMTEST WORD " in the serial log (last occurrence).
vm_line() { tr -d "\r" < "$1" | sed -n "s/.*VMTEST $2 //p" | tail -n1; }

# expect_booted NAME COMMIT: the guest booted deploy/<os>/COMMIT.* and status agrees.
expect_booted() {
    local log=$WORK/$1.log want=$2 booted
    booted=$(vm_line "$log" booted)
    case $booted in "/deploy/$OS/$want".*) ;; *) show_log "$log"; fail "$1 booted '$booted', want $want" ;; esac
    vm_line "$log" status | python3 -c '
import json, sys
d = json.load(sys.stdin)["deployments"]
b = [x for x in d if x["booted"]]
assert b and b[0]["path"] == sys.argv[1], ("status booted", b, sys.argv[1])
' "$booted" || { show_log "$log"; fail "$1: status does not call $booted booted"; }
    echo "ok: $1 booted $booted"
}
