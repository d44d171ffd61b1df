#!/usr/bin/env bash
# The seed use case: a config dir on branch dev, changed on uat; cat, ls, refs, log, diff.
. "$(dirname "$0")/lib/common.sh"

R="$WORK/repo"
"$DEPLOYCTL" repo init --repo "$R"
mkdir -p cfg/app
echo "level=debug" > cfg/app/app.conf
echo "port=80" > cfg/web.conf
dev=$("$DEPLOYCTL" repo commit --repo "$R" --branch dev --subject "dev config" cfg)
echo "level=info" > cfg/app/app.conf
echo "new" > cfg/extra.conf
rm cfg/web.conf
uat=$("$DEPLOYCTL" repo commit --repo "$R" --branch uat --subject "uat config" cfg)
[ "$dev" != "$uat" ] || fail "different trees must give different commits"

step "cat"
[ "$("$DEPLOYCTL" repo cat --repo "$R" dev app/app.conf)" = "level=debug" ] || fail "cat dev"
[ "$("$DEPLOYCTL" repo cat --repo "$R" uat app/app.conf)" = "level=info" ] || fail "cat uat"

step "ls"
"$DEPLOYCTL" repo ls --repo "$R" dev | tee ls.out
grep -q ' /web.conf$' ls.out || fail "ls lists web.conf"
grep -q '^d00755 .* /app$' ls.out || fail "ls lists app dir"
"$DEPLOYCTL" repo ls --repo "$R" -R uat / | grep -q '/app/app.conf' || fail "ls -R"

step "refs"
[ "$("$DEPLOYCTL" repo refs --repo "$R" | tr '\n' ' ')" = "dev uat " ] || fail "refs"

step "log"
"$DEPLOYCTL" repo log --repo "$R" uat | tee log.out
grep -q "commit $uat" log.out || fail "log shows uat commit"
grep -q "uat config" log.out || fail "log shows subject"

step "diff"
"$DEPLOYCTL" repo diff --repo "$R" dev uat | tee diff.out
grep -q '^M    /app/app.conf$' diff.out || fail "diff M"
grep -q '^A    /extra.conf$' diff.out || fail "diff A"
grep -q '^D    /web.conf$' diff.out || fail "diff D"

step "identical re-commit costs no new object"
"$DEPLOYCTL" --json repo commit --repo "$R" --branch uat cfg | tee c.json
[ "$(json_field 'd["new_objects"]' < c.json)" = 0 ] || fail "re-commit wrote objects"

step "commit of a checkout does not re-read content"
"$DEPLOYCTL" repo checkout --repo "$R" uat co
"$DEPLOYCTL" --json repo commit --repo "$R" --branch uat2 co > c2.json
[ "$(json_field 'd["reused_checkout_files"]' < c2.json)" = "$(json_field 'd["files"]' < c2.json)" ] ||
    fail "checkout files were re-read"
"$DEPLOYCTL" repo fsck --repo "$R"
echo PASS
