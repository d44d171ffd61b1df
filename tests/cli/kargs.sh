#!/usr/bin/env bash
# Kernel arguments: --append/--delete/--replace land in the new default entry's options line
# (deploy= kept), rollback restores the old ones, invalid edits are refused and change nothing,
# and grub.cfg passes grub-script-check after each change.
. "$(dirname "$0")/lib/common.sh"

default_options() { grep '^options ' "$(default_entry)" | sed 's/^options //'; }
# The options must be exactly "$1 deploy=<default deployment's path>".
expect_options() {
    local want=$1 path
    path=$(status_json | json_field 'd["deployments"][0]["path"]')
    [ "$(default_options)" = "${want:+$want }deploy=$path" ] ||
        fail "options '$(default_options)', want '${want:+$want }deploy=$path'"
    [ "$(grep -c "deploy=$path" "$SR/boot/loader/grub.cfg")" -ge 1 ] || fail "grub.cfg lacks deploy="
    check_grub_cfg
}

step "deployed, no kargs"
setup_deployed_sysroot
[ -z "$(dctl kargs)" ] || fail "no kargs yet"
expect_options ""

step "--append"
dctl kargs --append console=ttyS0 --append quiet | tee out
expect_options "console=ttyS0 quiet"
[ "$(dctl kargs)" = "console=ttyS0 quiet" ] || fail "kargs shows them"
[ "$(status_json | json_field 'd["deployments"][0]["kargs"]')" = "['console=ttyS0', 'quiet']" ] ||
    fail "status kargs"
[ "$(status_json | json_field 'd["deployments"][1]["kargs"]')" = "[]" ] || fail "old kargs kept"
[ "$(status_json | json_field 'd["deployments"][0]["commit"] == d["deployments"][1]["commit"]')" = True ] ||
    fail "same commit"

step "--append of an existing argument: nothing to do (77)"
before=$(snapshot)
expect_rc 77 dctl kargs --append quiet
[ "$(snapshot)" = "$before" ] || fail "unchanged kargs changed the state"

step "--replace"
dctl kargs --replace console=tty1 >/dev/null
expect_options "console=tty1 quiet"

step "--delete"
dctl kargs --delete quiet >/dev/null
expect_options "console=tty1"

step "combined, with a value containing '='"
dctl kargs --append root=UUID=abcd-1234 --append rd.break --replace console=ttyS1,115200 >/dev/null
expect_options "console=ttyS1,115200 root=UUID=abcd-1234 rd.break"
dctl kargs --delete rd.break --delete root=UUID=abcd-1234 >/dev/null
expect_options "console=ttyS1,115200"

step "kargs survive an upgrade"
make_tree "$TREE" 2.0; commit_version 2.0 >/dev/null
dctl upgrade >/dev/null
expect_options "console=ttyS1,115200"
[ "$(status_json | json_field 'd["deployments"][0]["version"]')" = 2.0 ] || fail "upgraded"

step "rollback restores the old kargs"
prev=$(status_json | json_field '" ".join(d["deployments"][1]["kargs"])')
dctl rollback >/dev/null
expect_options "$prev"
dctl rollback >/dev/null
expect_options "console=ttyS1,115200"

step "invalid edits are refused, nothing changes"
before=$(snapshot)
expect_error "deploy" dctl kargs --append deploy=/deploy/testos/x.0
expect_error "deploy" dctl kargs --delete deploy
expect_error "deploy" dctl kargs --replace deploy=/x
expect_error "not set" dctl kargs --delete nosuchkey
expect_error "not set" dctl kargs --replace nosuchkey=1
expect_error "KEY=VALUE" dctl kargs --replace console
expect_error "invalid kernel argument" dctl kargs --append "a b"
expect_error "invalid kernel argument" dctl kargs --append 'a"b'
expect_error "invalid kernel argument" dctl kargs --append "=x"
expect_error "invalid kernel argument" dctl kargs --append "$(printf 'a\tb')"
[ "$(snapshot)" = "$before" ] || fail "refused edit changed the state"
check_consistent
echo PASS
