#!/usr/bin/env bash
# Crash safety: an upgrade (or kargs edit, or rollback) killed with SIGKILL at every fault point,
# then at random moments, leaves a consistent sysroot whose default is either the complete old or
# the complete new deployment; the next writer removes the leftovers and a retry succeeds.
. "$(dirname "$0")/lib/common.sh"

NFILES=400
VERSION=1
# A new version on os/stable: the same tree of $NFILES files (so kills can land mid-checkout) with
# a new kernel, /etc default and a changed data file; only those are hashed again.
new_version() {
    VERSION=$((VERSION + 1))
    echo "kernel $VERSION" > "$TREE/usr/lib/modules/6.1.0/vmlinuz"
    echo "Welcome to $VERSION" > "$TREE/etc/motd"
    echo "file 0 $VERSION" > "$TREE/usr/share/data/f$((VERSION % NFILES))"
    commit_version "$VERSION.0" >/dev/null
}
tip() { "$DEPLOYCTL" repo log --repo "$REMOTE" os/stable | sed -n '1s/^commit //p'; }
default_path() { entry_deploy_paths | sed -n 1p; }
default_commit() { local p; p=$(default_path); p=${p##*/}; echo "${p%.*}"; }

# The deployment at sysroot path $1 (/deploy/...) is complete.
check_complete() {
    local p=$1
    [ "$(find "$SR$p/usr/share/data" -type f | wc -l)" = "$NFILES" ] || fail "$p: incomplete tree"
    [ -f "$SR$p/etc/motd" ] && [ -f "$SR$p/etc/hosts" ] || fail "$p: incomplete /etc"
    [ -f "$SR$p/usr/lib/modules/6.1.0/vmlinuz" ] || fail "$p: no kernel"
    [ -f "$SR$p.origin" ] || fail "$p: no origin"
}

# After a killed command: consistent, the default is the old one (intact) or a complete new one,
# the next writer removes every leftover. Sets NEW=1 when the new one is the default.
check_after_kill() {
    local old=$1 what=$2
    check_consistent
    local now; now=$(default_path)
    if [ "$now" = "$old" ]; then
        NEW=0
    else
        NEW=1
        entry_deploy_paths | grep -x "$old" >/dev/null || fail "$what: old default $old dropped"
    fi
    check_complete "$now"
    check_complete "$old"   # the old default still boots: entry and tree intact
    dctl cleanup >/dev/null 2>cleanup.err || fail "$what: cleanup after kill: $(cat cleanup.err)"
    [ -z "$(leftovers)" ] || fail "$what: leftovers after cleanup: $(leftovers)"
    [ -z "$(ls "$SR/repo/tmp")" ] || fail "$what: staged objects left: $(ls "$SR/repo/tmp")"
    check_consistent
}

step "v1 deployed ($NFILES files)"
"$DEPLOYCTL" repo init --repo "$REMOTE"
make_tree "$TREE" 1.0; add_files "$TREE" "$NFILES" 1
commit_version 1.0 >/dev/null
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/stable >/dev/null

step "which fault points an upgrade passes"
new_version
DEPLOYD_FAULT_LOG="$WORK/faults.log" dctl upgrade >/dev/null
points=$(awk '!seen[$0]++' faults.log)
echo "$points"
for p in deploy-checked-out deploy-etc-merged deploy-synced deploy-tree-in-place \
    deploy-kernel-installed boot-before-swap boot-after-swap boot-flushed deploy-switched; do
    printf '%s\n' "$points" | grep -x "$p" >/dev/null || fail "upgrade does not pass fault point $p"
done
# Every fault point in the engine and bootloader sources is on the upgrade path (or a new one
# needs its own case here).
src="$TESTS_DIR/.."
for p in $(grep -rhoE 'fault_point\("[a-z0-9-]+"\)' "$src/libdeploy/src" "$src/bootloader/src" |
    sed 's/fault_point("\(.*\)")/\1/' | sort -u); do
    printf '%s\n' "$points" | grep -x "$p" >/dev/null || echo "note: fault point $p is not on the upgrade path"
done

step "deterministic: kill -9 at every fault point, upgrade then retry"
for p in $points; do
    new_version
    old=$(default_path)
    rc=0; DEPLOYD_FAULT_KILL_AT=$p dctl upgrade >/dev/null 2>&1 || rc=$?
    [ "$rc" = 137 ] || fail "upgrade killed at $p: exit $rc, expected 137 (SIGKILL)"
    check_after_kill "$old" "upgrade@$p"
    case $p in deploy-switched|boot-after-swap|boot-flushed) [ "$NEW" = 1 ] || fail "$p: after the switch the new one is the default" ;;
               *) [ "$NEW" = 0 ] || fail "$p: before the switch the old one stays the default" ;; esac
    rc=0; dctl upgrade >/dev/null || rc=$?
    if [ "$NEW" = 1 ]; then [ "$rc" = 77 ] || fail "retry after $p: exit $rc, want 77"; else [ "$rc" = 0 ] || fail "retry after $p: exit $rc"; fi
    [ "$(default_commit)" = "$(tip)" ] || fail "retry after $p did not deploy $VERSION.0"
    echo "ok: killed at $p (new default: $NEW), retry fine"
done

step "deterministic: kargs edit and rollback killed around the swap"
for p in deploy-checked-out boot-before-swap deploy-switched; do
    old=$(default_path); oldk=$(dctl kargs)
    rc=0; DEPLOYD_FAULT_KILL_AT=$p dctl kargs --append "k$p=1" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 137 ] || fail "kargs killed at $p: exit $rc"
    check_after_kill "$old" "kargs@$p"
    if [ "$NEW" = 0 ]; then [ "$(dctl kargs)" = "$oldk" ] || fail "kargs changed"; fi
    dctl kargs --append "k$p=1" >/dev/null || [ "$NEW" = 1 ] || fail "kargs retry"
    dctl kargs | grep "k$p=1" >/dev/null || fail "kargs retry applied"
done
for p in boot-before-swap boot-after-swap boot-flushed; do
    list=$(entry_deploy_paths | tr '\n' ' '); listing=$(deploy_listing)
    rc=0; DEPLOYD_FAULT_KILL_AT=$p dctl rollback >/dev/null 2>&1 || rc=$?
    [ "$rc" = 137 ] || fail "rollback killed at $p: exit $rc"
    check_consistent
    now=$(entry_deploy_paths | tr '\n' ' ')
    set -- $list
    if [ "$p" = boot-before-swap ]; then [ "$now" = "$list" ] || fail "rollback@$p switched"
    else [ "$(entry_deploy_paths | sed -n 1p)" = "$2" ] || fail "rollback@$p did not switch"; fi
    [ "$(deploy_listing)" = "$listing" ] || fail "rollback@$p touched deploy/"
    dctl cleanup >/dev/null; [ -z "$(leftovers)" ] || fail "leftovers: $(leftovers)"
done

step "random: kill -9 at a random moment, 15 times"
# The kill window spans the whole run: measure one delayed upgrade first.
new_version
t0=$(date +%s%N)
DEPLOYD_FAULT_DELAY_MS=20 dctl upgrade >/dev/null
window=$(( ($(date +%s%N) - t0) / 1000000 * 13 / 10 ))
[ "$window" -ge 150 ] || window=150
echo "kill window: 0-$window ms"
hits_new=0; hits_old=0; mid=0
for i in $(seq 1 15); do
    # Always something to do: a newer commit than the default's.
    [ "$(default_commit)" = "$(tip)" ] && new_version
    old=$(default_path)
    if [ $((i % 4)) = 0 ]; then
        cmd=(kargs --append "r$i=1")
    else
        cmd=(upgrade)
    fi
    DEPLOYD_FAULT_DELAY_MS=20 "$DEPLOYCTL" --sysroot "$SR" --cmdline-file "$CMDLINE" "${cmd[@]}" \
        >/dev/null 2>&1 &
    pid=$!
    ms=$((RANDOM % window))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    ls -d "$SR"/deploy/testos/.staging-* >/dev/null 2>&1 && mid=$((mid + 1))
    check_after_kill "$old" "random #$i (${cmd[*]} killed after ${ms} ms)"
    if [ "$NEW" = 1 ]; then hits_new=$((hits_new + 1)); else hits_old=$((hits_old + 1)); fi
done
echo "random kills: old default kept $hits_old times ($mid with a partial tree), new default complete $hits_new times"

step "a final retry succeeds"
rc=0; dctl upgrade >/dev/null || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "final upgrade: $rc"
check_consistent
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "store intact"
echo PASS
