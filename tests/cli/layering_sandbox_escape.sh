#!/usr/bin/env bash
# A hostile package scriptlet (tests/fixtures/hostile/hostile.c, built statically here) tries
# every way out of the scriptlet sandbox: chroot escape, writing through to the booted
# deployment / store / overlay lower tree, remount, host file write and read, /proc/N/root and
# cwd, mount, unshare, ptrace, a socket to 127.0.0.1, module loading, core_pattern/sysrq, a
# block device node, open_by_handle_at and a process left behind. Every attempt must fail while
# a normal scriptlet in the same transaction still works; afterwards the store is clean
# (repo fsck), the booted deployment is byte for byte unchanged and nothing runs or stays
# mounted. In-process and through deployd.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

ATTEMPTS="chroot-escape lower-write remount host-write host-read proc-root mount unshare ptrace
 network modules sysctl block-device open-by-handle background"

step "fixtures, a composed base, booted"
setup_composed_base
reboot_into_default
booted_dir=$(default_deployment_dir)
[ ! -e "$booted_dir/etc/shadow" ] && [ ! -e "$booted_dir/usr/etc/shadow" ] ||
    fail "fixture: the tree has an /etc/shadow, host-read could not tell the host's apart"

secret="$WORK/host-secret"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secret"
mkdir -p "$WORK/host-dir"
gcc -static -O1 -o "$WORK/hostile" "$TESTS_DIR/fixtures/hostile/hostile.c" ||
    fail "cannot build the hostile program (gcc -static)"

# A TCP server on the host's loopback; it records every connection it accepts.
python3 - "$WORK/port" "$WORK/connections" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); open(sys.argv[2], "a").write("connection\n"); c.close()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
port=$(cat "$WORK/port")

# hostile, and the same as hostile2 for the run through the daemon (layered on the booted base).
for suffix in "" 2; do
    rpmbuild_spec hostile "$RPMREPO" --define "hostile_bin $WORK/hostile" \
        --define "host_secret $secret" --define "host_dir $WORK/host-dir" \
        --define "booted $booted_dir" --define "store $SR/repo" --define "port $port" \
        ${suffix:+--define "hostile_suffix $suffix"}
done
createrepo_c --quiet --update "$RPMREPO" >/dev/null || fail "createrepo_c --update"

# Everything about a tree: names, types, modes, owners, sizes, inodes, mtimes, link targets, and
# every file's content.
fingerprint() {
    (cd "$1" && find . -printf '%p %y %m %U %G %s %i %T@ %l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum
}
booted_before=$(fingerprint "$booted_dir")

# check_run OUTPUT: every attempt blocked, the normal scriptlets worked, the host untouched.
check_run() {
    local out=$1 a
    for a in $ATTEMPTS; do
        grep -q "hostile: $a: blocked" "$out" || { cat "$out"; fail "attempt $a not blocked"; }
    done
    ! grep -q "ESCAPED" "$out" || { grep ESCAPED "$out"; fail "the hostile scriptlet got out"; }
    grep -q "hostile: tree-write: allowed" "$out" || { cat "$out"; fail "tree write failed"; }
    grep -q "hostile: done, all attempts blocked" "$out" || { cat "$out"; fail "hostile incomplete"; }
    [ ! -e "$WORK/host-dir/pwned" ] || fail "a host file was created"
    [ ! -s "$WORK/connections" ] || fail "the scriptlet reached 127.0.0.1"
    ! pgrep -x hostilebg >/dev/null || fail "a scriptlet process outlived the transaction"
    ! grep -q "$SR" /proc/self/mountinfo || fail "a mount of the transaction is left"
    [ "$(fingerprint "$booted_dir")" = "$booted_before" ] ||
        fail "the booted deployment changed"
    "$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "repo fsck after the hostile run"
    local d
    d=$(default_deployment_dir)
    [ "$d" != "$booted_dir" ] || fail "no new deployment"
    grep -q '^HOSTILE_WAS_HERE=1$' "$d/usr/lib/os-release" ||
        fail "the scriptlet's write to its own tree is missing from the new deployment"
}

step "in-process: install hostile together with a package whose scriptlets are normal"
dctl install hostile scripted > install.out 2>&1 || { cat install.out; fail "install hostile"; }
grep '^  %post: hostile:' install.out
check_run install.out
grep -q '^%post of scripted-1.0-1.noarch: ok$' install.out || fail "normal %post did not run"
grep -q '^  %post: post: done$' install.out || fail "normal %post output missing"

step "through deployd: the same program as package hostile2"
BUS=$(dbus-daemon --config-file="$TESTS_DIR/daemon/test-bus.conf" --print-address=1 \
    --print-pid=3 --fork 3>"$WORK/bus.pid")
bus_pid=$(cat "$WORK/bus.pid")
"$DEPLOYD" --sysroot "$SR" --bus-address "$BUS" --cmdline-file "$CMDLINE" --idle-exit 0 \
    > "$WORK/deployd.log" 2>&1 &
daemon=$!
trap 'kill $server $daemon $bus_pid 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
    busctl --address="$BUS" status org.deployd.Deploy1 >/dev/null 2>&1 && break
    sleep 0.1
done
"$DEPLOYCTL" --bus-address "$BUS" install hostile2 > daemon.out 2>&1 ||
    { cat daemon.out "$WORK/deployd.log"; fail "install hostile through deployd"; }
check_run daemon.out
kill -0 "$daemon" || fail "deployd died"
echo "PASS: every escape attempt blocked, in-process and through deployd"
