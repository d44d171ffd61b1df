#!/usr/bin/env bash
# kill -9 of the engine while a scriptlet runs inside the sandbox: the sandbox dies with it
# (no process, no overlay mount is left), the sysroot is exactly as before, and the next writer
# clears the work directory. Then the same install without the kill works.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

step "a composed base"
setup_composed_base
before=$(snapshot)

step "kill -9 during %post"
# The engine itself in the background (not a shell function's subshell), so kill hits it.
"$DEPLOYCTL" --sysroot "$SR" --cmdline-file "$CMDLINE" install sleeper > install.out 2>&1 &
engine=$!
for _ in $(seq 1 200); do
    ls "$SR"/repo/tmp/layer-*/upper/usr/share/sleeper/started >/dev/null 2>&1 && break
    sleep 0.1
done
ls "$SR"/repo/tmp/layer-*/upper/usr/share/sleeper/started >/dev/null 2>&1 ||
    { cat install.out; fail "the %post never started"; }
kill -9 "$engine"
wait "$engine" 2>/dev/null || true
for _ in $(seq 1 50); do
    pgrep -f "deployd-rpm $SR" >/dev/null || break
    sleep 0.1
done
! pgrep -f "deployd-rpm $SR" >/dev/null || fail "the sandboxed helper outlived the engine"
! pgrep -f "busybox sleep 60" >/dev/null || fail "the scriptlet outlived the engine"
! grep -q "$SR" /proc/self/mountinfo || fail "a mount under the sysroot was left: $(grep "$SR" /proc/self/mountinfo)"
[ "$(snapshot)" = "$before" ] || fail "the killed install changed the deployments"

step "the next writer clears the leftovers; the store is intact"
dctl cleanup >/dev/null
[ -z "$(ls "$SR/repo/tmp")" ] || fail "leftovers in repo/tmp: $(ls "$SR/repo/tmp")"
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck after the kill"
check_consistent

step "SIGKILL after the sandboxed install and after the layered commit"
for p in layer-installed layer-committed; do
    rc=0; DEPLOYD_FAULT_KILL_AT=$p dctl install bar >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 137 ] || fail "fault point $p was not reached (exit $rc)"
    [ "$(snapshot)" = "$before" ] || fail "kill at $p changed the deployments"
    ! grep -q "$SR" /proc/self/mountinfo || fail "a mount was left after a kill at $p"
    dctl cleanup >/dev/null
    [ -z "$(ls "$SR/repo/tmp")" ] || fail "leftovers after a kill at $p: $(ls "$SR/repo/tmp")"
    "$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck after a kill at $p"
    check_consistent
done
echo PASS
