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
# debootstrap configures its packages without /proc and a running dbus; polkitd's postinst
# fails there, so the rest comes with apt-get in the chroot afterwards.
packages="systemd,systemd-sysv,udev,kmod,initramfs-tools,e2fsprogs,util-linux"
extra="linux-image-amd64 dbus polkitd bubblewrap libsdbus-c++1 libsolv1 libsolvext1 librpm9"
extra+=" librpmio9 libcurl4 libspdlog1.10-fmt9 libfmt9 libssl3"
key=$( { echo "$mirror $packages $extra"; cat "$0"; } | sha256sum | cut -c1-16)
tarball="$cache/base-$key.tar"
if [ ! -f "$tarball" ]; then
    mkdir -p "$cache"
    root=$(mktemp -d "$cache/debootstrap-XXXXXX")
    mkdir -p "$cache/debs"
    mounts=()
    trap 'for m in "${mounts[@]}"; do umount -l "$m"; done; rm -rf "$root"' EXIT
    echo "base-tree: debootstrap bookworm from $mirror" >&2
    debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$packages" bookworm \
        "$root" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" "$root/debootstrap/debootstrap.log" >&2; exit 1; }
    for m in proc sys dev; do mount --bind "/$m" "$root/$m"; mounts=("$root/$m" "${mounts[@]}"); done
    mount --bind "$cache/debs" "$root/var/cache/apt/archives"
    mounts=("$root/var/cache/apt/archives" "${mounts[@]}")
    # shellcheck disable=SC2086
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends $extra >> "$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    for m in "${mounts[@]}"; do umount "$m"; done
    mounts=()
    rm -rf "$root"/var/lib/apt/lists/*_Packages
    tar -C "$root" --numeric-owner --xattrs -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
fi
echo "$tarball"
