#!/usr/bin/env bash
# packaging/deployd.spec stays in step with the CMake install rules: it parses (rpmspec -P; it
# cannot be built on Debian's rpm, which lacks Fedora's %cmake), and its %files are exactly the
# files `cmake --install --prefix /usr` installs.
. "$(dirname "$0")/lib/common.sh"
command -v rpmspec >/dev/null || { echo "SKIP: rpmspec missing (package rpm)"; exit 77; }
SRC=$(cd "$TESTS_DIR/.." && pwd)
BUILD=$(cd "$(dirname "$DEPLOYCTL")/.." && pwd)

rpmspec -P --define '_unitdir /usr/lib/systemd/system' --define '_prefix /usr' \
    --define '_libexecdir /usr/libexec' --define '_sysconfdir /etc' --define '_datadir /usr/share' \
    --define '_bindir /usr/bin' --define '_prefix /usr' --define 'dracutmoddir /usr/lib/dracut/modules.d' \
    "$SRC/packaging/deployd.spec" > parsed || fail "rpmspec -P failed"
sed -n '/^%files/,/^%changelog/p' parsed | grep '^/\|^%config' | sed 's/^%config([^)]*) *//; s|^/||' |
    sort > have
DESTDIR="$WORK/inst" cmake --install "$BUILD" --prefix /usr > /dev/null
# A build configured for /usr/local keeps its configure-time sysconfdir and unit dir: map them
# to what a /usr build (the package's) installs.
(cd "$WORK/inst" && find . ! -type d | sed 's|^\./||; s|^usr/local/etc/|etc/|; s|^usr/local/|usr/|' |
    sort) > want
# A %files line may name a directory (dracut module): it covers everything under it; or be a
# glob (man pages, which rpm compresses): it covers what it matches.
missing=""
while read -r f; do
    grep -qx "$f" have && continue
    covered=0
    # shellcheck disable=SC2254
    while read -r d; do case $f in "$d"/* | $d) covered=1 ;; esac; done < have
    [ $covered = 1 ] || missing+=" $f"
done < want
[ -z "$missing" ] || fail "installed by cmake but not in the spec's %files:$missing"
echo "PASS"
