#!/bin/sh
# Classic (non-systemd) dracut: pre-pivot hook, the physical root is mounted at $NEWROOT.
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

getarg deploy= >/dev/null || return 0
if ! /usr/bin/deployd-prepare-root --root "${NEWROOT:-/sysroot}"; then
    die "deployd-prepare-root failed: the deployment named by deploy= was not set up"
fi
