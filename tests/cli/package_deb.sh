#!/usr/bin/env bash
# The Debian package builds the documented way from a clean copy of the tree (the files git
# knows), ships every file `cmake --install` installs, marks /etc files as conffiles, and
# declares the runtime dependencies. The VM tests install this same .deb in a guest.
. "$(dirname "$0")/lib/common.sh"
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
    { echo "SKIP: dpkg-dev/debhelper missing (scripts/install-deps.sh)"; exit 77; }
SRC=$(cd "$TESTS_DIR/.." && pwd)
BUILD=$(cd "$(dirname "$DEPLOYCTL")/.." && pwd)

step "dpkg-buildpackage -us -uc -b"
start=$SECONDS
deb=$("$SRC/tests/vm/build-deb.sh" "${VM_CACHE:-$BUILD/vm-cache}/deb")
echo "built $deb in $((SECONDS - start)) s"

step "contents = cmake --install"
DESTDIR="$WORK/inst" cmake --install "$BUILD" --prefix /usr > /dev/null
# A build configured for /usr/local keeps its configure-time sysconfdir and unit dir: map them
# to what a /usr build (the package's) installs.
(cd "$WORK/inst" && find . ! -type d | sed 's|^\./||; s|^usr/local/etc/|etc/|; s|^usr/local/|usr/|' |
    sort) > want
# (dh_compress gzips the man pages.)
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||; s|^\(usr/share/man/.*\)\.gz$|\1|' |
    grep -v '^usr/share/doc/' | sort > have
missing=$(comm -23 want have)
[ -z "$missing" ] || fail "installed by cmake but not in the package: $missing"
for f in usr/bin/deployctl usr/libexec/deployd usr/libexec/deployd-rpm etc/deployd.conf \
    usr/share/dbus-1/system.d/org.deployd.Deploy1.conf \
    usr/share/polkit-1/actions/org.deployd.Deploy1.policy; do
    grep -qx "$f" have || fail "package lacks $f"
done
grep -q 'deployd.service$' have || fail "package lacks the unit"

step "control: dependencies, conffiles"
depends=$(dpkg-deb -f "$deb" Depends)
for d in dbus bubblewrap polkitd libsdbus-c++1 librpm9 libsolv1; do
    grep -q "\b$d\b" <<< "$depends" || fail "Depends lacks $d: $depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/deployd.conf ||
    fail "/etc/deployd.conf is not a conffile"
# The unit is D-Bus activated: the maintainer scripts must not start it (chroots, image builds).
! dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst 2>/dev/null | grep -q 'deb-systemd-invoke.*start' ||
    fail "postinst starts deployd"
echo "PASS"
