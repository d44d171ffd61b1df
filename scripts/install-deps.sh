#!/bin/sh
# Installs the Debian 12 packages needed to build, test, demo and benchmark deployd.
# Idempotent: apt-get skips what is already installed.
set -eu
PACKAGES="build-essential cmake ninja-build pkg-config clang-format git
 libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev catch2 libssl-dev
 libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev libsolv-dev libsolvext-dev librpm-dev
 libcurl4-openssl-dev libseccomp-dev scdoc clang libclang-rt-14-dev
 grub-common dbus-daemon dbus-bin attr ostree rpm createrepo-c busybox-static bubblewrap gnupg dnf
 fdisk e2fsprogs mtools grub-pc-bin grub-efi-amd64-bin qemu-utils qemu-system-x86 ovmf
 debootstrap dpkg-dev debhelper fakeroot"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
