# Shared helpers for CLI scenarios. Each scenario sources this, gets a fresh $WORK dir (removed on
# exit) and the binaries from the environment CTest sets (DEPLOYCTL, DEPLOYD, TESTS_DIR).
set -euo pipefail

: "${DEPLOYCTL:?DEPLOYCTL must point at build/bin/deployctl}"
WORK=$(mktemp -d /tmp/deployd-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

SR="$WORK/sysroot"
REMOTE="$WORK/remote"
TREE="$WORK/tree"
CMDLINE="$WORK/cmdline"
: > "$CMDLINE"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

# deployctl on the test sysroot, "booted" per $CMDLINE.
dctl() { "$DEPLOYCTL" --sysroot "$SR" --cmdline-file "$CMDLINE" "$@"; }

# Runs a command that must fail with exit 1 and a one-line "error: ..." containing $1.
expect_error() {
    local pattern=$1; shift
    local out rc=0
    out=$("$@" 2>&1 >/dev/null) || rc=$?
    [ "$rc" -eq 1 ] || fail "expected exit 1 from '$*', got $rc (stderr: $out)"
    [ "$(printf '%s\n' "$out" | grep -c '^error: ')" -eq 1 ] || fail "expected one 'error:' line, got: $out"
    printf '%s\n' "$out" | grep -q -- "$pattern" || fail "error '$out' does not mention '$pattern'"
    echo "ok (refused): $out"
}

expect_rc() {
    local want=$1; shift
    local rc=0
    "$@" || rc=$?
    [ "$rc" -eq "$want" ] || fail "expected exit $want from '$*', got $rc"
}

# A small deployable OS tree: kernel, initramfs, /etc defaults (in etc/, moved to usr/etc at
# commit), binaries and /var content.
make_tree() {
    local dir=${1:-$TREE} version=${2:-1.0}
    rm -rf "$dir"
    mkdir -p "$dir/usr/lib/modules/6.1.0" "$dir/usr/bin" "$dir/etc/ssh" "$dir/var/lib/app"
    echo "kernel $version" > "$dir/usr/lib/modules/6.1.0/vmlinuz"
    echo "initramfs $version" > "$dir/usr/lib/modules/6.1.0/initramfs.img"
    echo "#!/bin/sh" > "$dir/usr/bin/tool"; chmod 755 "$dir/usr/bin/tool"
    echo "os $version" > "$dir/usr/lib/os-release"
    echo "127.0.0.1 localhost" > "$dir/etc/hosts"
    echo "Welcome to $version" > "$dir/etc/motd"
    echo "PermitRootLogin no" > "$dir/etc/ssh/sshd_config"
    ln -s ../usr/lib/os-release "$dir/etc/os-release"
    echo "state" > "$dir/var/lib/app/seed"
}

# Commits $TREE (or $2) to the remote repo on os/stable with version $1; prints the commit.
commit_version() {
    local version=$1 dir=${2:-$TREE}
    "$DEPLOYCTL" repo commit --repo "$REMOTE" --branch os/stable --version "$version" \
        --subject "release $version" "$dir"
}

# Remote with v1.0, sysroot for "testos" tracking it, deployed.
setup_deployed_sysroot() {
    "$DEPLOYCTL" repo init --repo "$REMOTE"
    make_tree "$TREE" 1.0
    commit_version 1.0 >/dev/null
    dctl init --os testos >/dev/null
    dctl remote add origin "file://$REMOTE" >/dev/null
    dctl rebase origin:os/stable >/dev/null
}

json_field() {  # json_field EXPR  (reads status JSON on stdin)
    python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"
}

# "Reboot": the default entry's options become the kernel command line.
reboot_into_default() {
    grep '^options ' "$SR"/boot/loader/entries/deployd-*-01.conf | sed 's/^options //' > "$CMDLINE"
}

# Fingerprint of everything that defines the deployments and boot state.
snapshot() {
    (cd "$SR" && find deploy boot -printf '%p %y %m %s %l\n' | sort &&
        cat boot/loader/entries/*.conf 2>/dev/null) | md5sum
}

check_grub_cfg() {
    grub-script-check "$SR/boot/loader/grub.cfg" || fail "grub.cfg does not pass grub-script-check"
}

# ---- sysroot lifecycle helpers ----

status_json() { dctl status --json; }

# The deploy= paths of the live boot entries, in boot order (one a line).
entry_deploy_paths() {
    local f
    for f in $(ls "$SR"/boot/loader/entries/*.conf | sort); do
        grep '^options ' "$f" | tr ' ' '\n' | sed -n 's/^deploy=//p'
    done
}

default_entry() { ls "$SR"/boot/loader/entries/deployd-*-01.conf; }

# Listing of deploy/ (names, types, inodes of the top files): proves "no tree work".
deploy_listing() {
    (cd "$SR/deploy" && find . -maxdepth 3 -printf '%p %y %i\n' | sort)
}

# The "id" of deployment $1 (index in boot order) from status --json.
deployment_id() { status_json | json_field "d['deployments'][$1]['id']"; }
deployment_dir() { echo "$SR/deploy/testos/$(deployment_id "$1")"; }

# Everything an interrupted writer may leave behind; prints one path a line, nothing when clean.
leftovers() {
    local live paths f name id
    live=$(readlink "$SR/boot/loader" 2>/dev/null || true)
    paths=$(entry_deploy_paths 2>/dev/null || true)
    for f in "$SR"/deploy/*/* "$SR"/deploy/*/.[!.]*; do
        [ -e "$f" ] || continue
        name=${f##*/}
        [ "$name" = var ] && continue
        id=${name%.origin}
        printf '%s\n' "$paths" | grep -x "/deploy/$(basename "$(dirname "$f")")/$id" >/dev/null ||
            echo "${f#"$SR"/}"
    done
    for f in "$SR"/boot/loader.*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        [ "${f##*/}" = "$live" ] || echo "${f#"$SR"/}"
    done
}

# The boot configuration is consistent: status works; every entry's deploy= tree exists with its
# .origin and kernel files; grub.cfg passes grub-script-check.
check_consistent() {
    dctl status --json > "$WORK/consistent.json" || fail "status fails"
    local f p k
    [ -L "$SR/boot/loader" ] || fail "boot/loader is not a symlink"
    for f in "$SR"/boot/loader/entries/*.conf; do
        p=$(grep '^options ' "$f" | tr ' ' '\n' | sed -n 's/^deploy=//p')
        [ -n "$p" ] || fail "$f has no deploy="
        [ -d "$SR$p/usr" ] || fail "$f: deployment tree $p missing"
        [ -d "$SR$p/etc" ] || fail "$f: deployment $p has no etc"
        [ -f "$SR$p.origin" ] || fail "$f: origin of $p missing"
        for k in $(sed -n 's/^\(linux\|initrd\) //p' "$f"); do
            [ -f "$SR/boot${k#/boot}" ] || fail "$f: kernel file $k missing"
        done
    done
    # (grep, not python: this runs in loops)
    [ "$(grep -c '"booted":' "$WORK/consistent.json")" = \
        "$(ls "$SR"/boot/loader/entries/*.conf | wc -l)" ] || fail "status and entries disagree"
    check_grub_cfg
}

# Adds N small files under DIR/usr/share/data (a bigger tree for checkout timing).
add_files() {
    local dir=$1 n=$2 i
    mkdir -p "$dir/usr/share/data"
    for ((i = 0; i < n; i++)); do echo "file $i $3" > "$dir/usr/share/data/f$i"; done
}
