#!/bin/bash
# Regenerates the seed corpora in corpus/<target>/ from what the CLI really writes:
#   make-corpus.sh path/to/deployctl
# A repository with two commits (symlink, xattr, nested dirs), a sysroot deployed from it with
# edited kernel arguments: its commit/dirtree/dirmeta objects, .origin files, BLS entries and
# options lines. treefile, .repo and deployd.conf seeds are the documented examples (README.md
# and the tests' fixtures), as no command writes those files.
set -euo pipefail
DEPLOYCTL=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/deployd-corpus-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

tree=$work/tree repo=$work/repo sr=$work/sysroot
: > cmdline
dctl() { "$DEPLOYCTL" --sysroot "$sr" --cmdline-file "$work/cmdline" "$@"; }
mkdir -p "$tree/usr/lib/modules/6.1.0" "$tree/usr/bin" "$tree/etc/ssh" "$tree/usr/share/doc/a b"
echo kernel > "$tree/usr/lib/modules/6.1.0/vmlinuz"
echo initramfs > "$tree/usr/lib/modules/6.1.0/initramfs.img"
printf '#!/bin/sh\n' > "$tree/usr/bin/tool"; chmod 755 "$tree/usr/bin/tool"
echo "127.0.0.1 localhost" > "$tree/etc/hosts"
echo "PermitRootLogin no" > "$tree/etc/ssh/sshd_config"; chmod 600 "$tree/etc/ssh/sshd_config"
ln -s ../usr/lib/os-release "$tree/etc/os-release"
echo readme > "$tree/usr/share/doc/a b/README"
setfattr -n user.note -v "seed" "$tree/usr/share/doc/a b" 2>/dev/null || true

"$DEPLOYCTL" repo init --repo "$repo" >/dev/null
"$DEPLOYCTL" repo commit --repo "$repo" --branch os/stable --version 1.0 --subject "release 1.0" \
    "$tree" >/dev/null
echo "1.1" > "$tree/usr/lib/os-release"
"$DEPLOYCTL" repo commit --repo "$repo" --branch os/stable --version 1.1 --subject "release 1.1" \
    "$tree" >/dev/null
dctl init --os myos >/dev/null
dctl remote add origin "file://$repo" >/dev/null
dctl rebase origin:os/stable >/dev/null
dctl kargs --append quiet --append 'console=ttyS0,115200' >/dev/null

# Generated seeds are named by a content hash; they replace the previous generated ones (commits
# carry timestamps, so every run differs), the hand-written seeds (named) stay.
find "$here/corpus" -type f -regextype egrep -regex '.*/[0-9a-f]{16}' -delete
# save TARGET FILE...
save() {
    local target=$1 f; shift
    mkdir -p "$here/corpus/$target"
    for f in "$@"; do
        cp "$f" "$here/corpus/$target/$(sha1sum < "$f" | cut -c1-16)"
    done
}
# Both the sysroot's repo (pulled) and the build repo hold each object; one copy is enough.
for type in commit dirmeta dirtree; do
    find "$repo/objects" -name "*.$type" | while read -r f; do save "$type" "$f"; done
done
save origin "$sr"/deploy/myos/*.origin
save bls_entry "$sr"/boot/loader/entries/*.conf
for f in "$sr"/boot/loader/entries/*.conf; do
    sed -n 's/^options //p' "$f" > "$work/options.$(basename "$f")"
done
save kernel_args "$work"/options.*
echo "$(find "$here/corpus" -type f | wc -l) seeds in $here/corpus"
