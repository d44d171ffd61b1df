#!/usr/bin/env bash
# base-tree.sh CACHE_DIR: prints the path of a tarball of a small real Debian 12 system
# (debootstrap minbase + systemd + udev + kernel + initramfs-tools + what the deployd package
# depends on, so installing the .deb later needs no network). Cached under CACHE_DIR keyed on
# the package list, the mirror and this script, so reruns skip the 35 s debootstrap.
set -euo pipefail
cache=$1
# The mirror apt uses on this machine (deb822 or one-line sources), else Debian's CDN.
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p; s/^deb \[*[^]]*\]* *\(http[^ ]*debian\) .*/\1/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
packages="systemd,systemd-sysv,udev,linux-image-amd64,initramfs-tools,kmod,dbus,polkitd,bubblewrap"
packages+=",libsdbus-c++1,libsolv1,libsolvext1,librpm9,librpmio9,libcurl4,libspdlog1.10,libfmt9"
packages+=",libssl3,e2fsprogs,util-linux"
key=$( { echo "$mirror $packages"; cat "$0"; } | sha256sum | cut -c1-16)
tarball="$cache/base-$key.tar"
if [ ! -f "$tarball" ]; then
    mkdir -p "$cache"
    root=$(mktemp -d "$cache/debootstrap-XXXXXX")
    trap 'rm -rf "$root"' EXIT
    echo "base-tree: debootstrap bookworm from $mirror" >&2
    debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" \
        > "$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
    tar -C "$root" --numeric-owner --xattrs -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
fi
echo "$tarball"
