#!/usr/bin/env bash
# Every error path of the sysroot commands: exit 1, one "error:" line saying what is wrong, and
# the deployments and boot configuration exactly as before.
. "$(dirname "$0")/lib/common.sh"

unchanged() { [ "$(snapshot)" = "$before" ] || fail "state changed after: $1"; [ -z "$(leftovers)" ] || fail "leftovers after $1: $(leftovers)"; }

step "not a sysroot"
mkdir notsr
expect_error "not a deployd sysroot" "$DEPLOYCTL" --sysroot "$WORK/notsr" status
expect_error "sysroot" "$DEPLOYCTL" --sysroot "$WORK/nosuchdir" upgrade
expect_error "sysroot" "$DEPLOYCTL" --sysroot "$WORK/notsr" rebase origin:os/stable
[ -z "$(ls notsr)" ] || fail "a failed command wrote into a non-sysroot"

step "no deployment yet"
dctl init --os testos >/dev/null
expect_error "no deployment" dctl upgrade
expect_error "no deployment" dctl rollback
expect_error "no deployment" dctl kargs --append quiet

step "deployed sysroot"
rm -rf "$SR"
setup_deployed_sysroot
before=$(snapshot)

step "init twice with another OS; invalid OS names"
expect_error "already a sysroot for OS 'testos'" dctl init --os otheros
dctl init --os testos >/dev/null || fail "init again with the same OS is fine"
expect_error "invalid OS name" "$DEPLOYCTL" --sysroot "$WORK/sr2" init --os "../x"
expect_error "invalid OS name" "$DEPLOYCTL" --sysroot "$WORK/sr2" init --os "a b"
unchanged "init"

step "unknown remote, bad refspecs and remote names"
expect_error "no remote 'nosuch'" dctl rebase nosuch:os/stable
expect_error "invalid ref name" dctl rebase origin:os/../stable
expect_error "invalid ref name" dctl rebase origin:../stable
expect_error "invalid ref name" dctl rebase "origin:"
expect_error "no ref" dctl rebase origin:os/nosuchbranch
expect_error "invalid" dctl remote add ../evil "file://$REMOTE"
expect_error "invalid" dctl remote add a/b "file://$REMOTE"
expect_error "invalid remote URL" dctl remote add other "ftp://example.com/repo"
expect_error "already exists" dctl remote add origin "file://$REMOTE"
unchanged "refspecs"

step "tree without a kernel is refused"
make_tree nokernel 9.0
rm -rf nokernel/usr/lib/modules
"$DEPLOYCTL" repo commit --repo "$REMOTE" --branch os/nokernel --version 9.0 nokernel >/dev/null
expect_error "no kernel" dctl rebase origin:os/nokernel
unchanged "no kernel"
[ "$(status_json | json_field 'd["deployments"][0]["refspec"]')" = origin:os/stable ] ||
    fail "still tracking os/stable"

step "deploy of an unknown version, rollback with one deployment, pin out of range"
expect_error "no version or commit '7.7'" dctl deploy 7.7
# A short hex word is a version, never a commit prefix (needs 4 digits): no commit matches "1".
c_first=$(dctl status --json | json_field "d['deployments'][0]['commit'][0]")
expect_error "no version or commit '$c_first'" dctl deploy "$c_first"
expect_error "no version or commit" dctl deploy 0000000000
expect_error "only one deployment" dctl rollback
expect_error "no deployment with index 5" dctl pin 5
expect_error "no deployment with index 1" dctl unpin 1
expect_error "" dctl pin -1
expect_error "" dctl pin abc
unchanged "deploy/rollback/pin"

step "fifo and device node in a committed tree are refused naming the file"
make_tree special 2.0
mkfifo special/usr/lib/myfifo
expect_error "myfifo" "$DEPLOYCTL" repo commit --repo "$REMOTE" --branch os/special special
rm special/usr/lib/myfifo
if mknod special/usr/lib/null c 1 3 2>/dev/null; then
    expect_error "usr/lib/null" "$DEPLOYCTL" repo commit --repo "$REMOTE" --branch os/special special
else
    echo "(mknod not permitted here; device node case skipped)"
fi
"$DEPLOYCTL" repo refs --repo "$REMOTE" | grep os/special >/dev/null && fail "refused commit made a ref"
unchanged "special files"

step "/boot full: NoSpace, nothing changed"
make_tree "$TREE" 2.0
echo "kernel 2.0 bigger" > "$TREE/usr/lib/modules/6.1.0/vmlinuz"
commit_version 2.0 >/dev/null
DEPLOYD_TEST_BOOT_FREE_BYTES=1000 expect_error "not enough space on /boot" dctl upgrade
unchanged "/boot full"

step "busy: a second writer names the holder's pid"
DEPLOYD_FAULT_DELAY_MS=400 "$DEPLOYCTL" --sysroot "$SR" --cmdline-file "$CMDLINE" \
    kargs --append slow=1 > bg.out 2>&1 &
bg=$!
for _ in $(seq 100); do grep -q "pid $bg" "$SR/.lock" 2>/dev/null && break; sleep 0.05; done
grep -q "pid $bg" "$SR/.lock" || fail "background writer never took the lock"
expect_error "busy" dctl upgrade
out=$(dctl upgrade 2>&1 >/dev/null) || true
case $out in *"pid $bg"*) ;; *) fail "busy error does not name pid $bg: $out" ;; esac
expect_error "busy" dctl cleanup
dctl status >/dev/null || fail "status (a reader) works while a writer runs"
wait $bg || fail "background writer failed: $(cat bg.out)"
[ "$(dctl kargs)" = "slow=1" ] || fail "background kargs edit applied"
dctl upgrade >/dev/null || fail "writer works after the lock is released"
check_consistent

step "corrupt dirtree object in the sysroot repo: clear error naming it"
dctl cleanup >/dev/null
before=$(snapshot)
corrupted=()
for f in $(find "$SR/repo/objects" -name '*.dirtree'); do
    # Replace, never write through: objects may be hardlinks of the remote's.
    cp "$f" "$f.tmp" && printf 'garbage' >> "$f.tmp" && mv "$f.tmp" "$f"
    b=${f##*/objects/}; corrupted+=("${b%%/*}${b#*/}")
done
[ "${#corrupted[@]}" -gt 0 ] || fail "no dirtree objects found"
out=$(dctl kargs --append x=1 2>&1 >/dev/null) && fail "deploy from a corrupt store succeeded"
echo "$out"
[ "$(printf '%s\n' "$out" | grep -c '^error: ')" = 1 ] || fail "one error line: $out"
named=0
for c in "${corrupted[@]}"; do case $out in *"${c%.dirtree}"*) named=1 ;; esac; done
[ "$named" = 1 ] || fail "error does not name the corrupt object: $out"
unchanged "corrupt object"
expect_error "" "$DEPLOYCTL" repo fsck --repo "$SR/repo"
echo PASS
