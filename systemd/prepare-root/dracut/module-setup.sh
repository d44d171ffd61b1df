#!/bin/bash
# dracut module of deployd: deployd-prepare-root in the initrd, run as a systemd unit after
# sysroot.mount (systemd initrds) or as a pre-pivot hook (classic dracut).

check() {
    require_binaries @PREPARE_ROOT@ || return 1
    return 0
}

depends() {
    return 0
}

install() {
    inst_binary @PREPARE_ROOT@ /usr/bin/deployd-prepare-root
    instmods ext4 vfat
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/deployd-prepare-root.service" \
            "$systemdsystemunitdir/deployd-prepare-root.service"
        $SYSTEMCTL -q --root "$initdir" add-wants initrd-root-fs.target \
            deployd-prepare-root.service
    else
        inst_hook pre-pivot 50 "$moddir/deployd-prepare-root.sh"
    fi
}
