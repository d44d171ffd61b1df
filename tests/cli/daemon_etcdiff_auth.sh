#!/bin/sh
# What a non-root user can read through the daemon. EtcDiff lists names under root-only
# directories and tells which root-only files differ, so it needs org.deployd.Deploy1.etc-diff
# (root, or polkit; none here, so nobody is denied) and nothing of it leaks in the refusal.
# GetStatus stays open to everyone but is metered per uid (UnprivilegedReadBurst/-Rate):
# nobody's burst is served, then Error.RateLimited; root is never limited.
. "$TESTS_DIR/daemon/fixture.sh"
cat >"$WORK/deployd.conf" <<'CONF'
[Daemon]
UnprivilegedReadBurst=4
UnprivilegedReadRate=0.01
CONF
start_daemon -- --config "$WORK/deployd.conf"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
nctl() { as_nobody "$DEPLOYCTL" --bus-address "$BUS" "$@"; }
nbusctl() { as_nobody busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.deployd.Deploy1 "$@"; }

# The admin's secret: a key under a 0700 directory of the booted deployment's /etc.
etc=$(ls -d "$SYSROOT"/deploy/testos/*.0)/etc
mkdir -m 700 "$etc/private"
(umask 077 && echo "secret" >"$etc/private/customer-acme-prod.key")
dctl etc diff >"$WORK/root.diff" || fail "root's etc diff"
grep -q "/etc/private" "$WORK/root.diff" || fail "root's etc diff: $(cat "$WORK/root.diff")"

# nobody: a one-line AccessDenied naming the action, and not a word of the diff.
expect_fail 1 "^error: not authorized for org\.deployd\.Deploy1\.etc-diff: polkit is not reachable" \
    nctl etc diff
if grep -q "acme\\|private" "$WORK/out" "$WORK/err"; then fail "the refusal leaked the diff"; fi
nbusctl EtcDiff >"$WORK/out" 2>"$WORK/err" && fail "busctl EtcDiff as nobody succeeded"
grep -qi "access denied\\|not authorized" "$WORK/err" || fail "busctl EtcDiff: $(cat "$WORK/err")"
grep -q "denied org.deployd.Deploy1.etc-diff to uid 65534" "$WORK/deployd.log" || fail "denial not logged"

# GetStatus: nobody's burst is 4 calls; the two EtcDiff refusals above spent 2 (metered before
# polkit is asked, so a flood of them costs polkit nothing).
[ "$(nctl status --json)" = "$(lctl status --json)" ] || fail "status as nobody"
nbusctl GetStatus >/dev/null || fail "GetStatus as nobody within the burst"
expect_fail 1 "^error: rate limited: GetStatus for uid 65534: more than 0.01 calls per second; retry later" \
    nctl status
nbusctl GetStatus >/dev/null 2>"$WORK/err" && fail "GetStatus beyond the burst was served"
grep -q "org.deployd.Deploy1.Error.RateLimited\|rate limited" "$WORK/err" || fail "busctl refusal: $(cat "$WORK/err")"
grep -q "rate limited GetStatus for uid 65534" "$WORK/deployd.log" || fail "rate limiting not logged"

# root: never metered, and its reads still work while nobody is refused.
i=0
while [ $i -lt 12 ]; do
    dctl status --json >/dev/null || fail "root's status $i"
    i=$((i + 1))
done
dctl etc diff | grep -q "/etc/private" || fail "root's etc diff after nobody"
echo "daemon_etcdiff_auth: ok"
