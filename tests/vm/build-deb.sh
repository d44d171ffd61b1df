#!/usr/bin/env bash
# build-deb.sh OUT_DIR: builds the deployd Debian package the documented way
# (cp -r packaging/debian . && dpkg-buildpackage -us -uc -b) in a clean copy of this source tree
# (the files git knows, as they are on disk), and prints the path of the .deb. Cached in OUT_DIR
# on the content of those files, so the VM tests reuse what the package test built.
set -euo pipefail
out=$(realpath -m "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
files=$(cd "$src" && git ls-files -co --exclude-standard | grep -v '^build/' | sort)
# The key covers what goes into the package, not the tests and benchmarks (editing a test must
# not cost a package build).
key=$(cd "$src" && printf '%s\n' "$files" | grep -vE '^(tests|bench)/' | tr '\n' '\0' |
    xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$out/$key.deb" ]; then
    # A fixed path, so ccache recognises the compile lines of the previous package build.
    work=$out/build
    rm -rf "$work"; mkdir -p "$work"
    trap 'rm -rf "$work"' EXIT
    mkdir "$work/deployd"
    (cd "$src" && printf '%s\n' "$files" | tar -T - -cf -) | tar -C "$work/deployd" -xf -
    [ ! -e "$work/deployd/debian" ] || { echo "build-deb: the tree has a debian/ already" >&2; exit 1; }
    (cd "$work/deployd" && cp -r packaging/debian . &&
        nice dpkg-buildpackage -us -uc -b -j"$(nproc)" > "$work/build.log" 2>&1) ||
        { tail -n 30 "$work/build.log" >&2; echo "build-deb: dpkg-buildpackage failed" >&2; exit 1; }
    mv "$work"/deployd_*.deb "$out/$key.deb.tmp"
    mv "$out/$key.deb.tmp" "$out/$key.deb"
    cp "$work/build.log" "$out/$key.build.log"
fi
echo "$out/$key.deb"
