#!/usr/bin/env bash
# The CLI's own edges: --version, unknown (nested) commands named, deployment indexes checked by
# us (one short error), --sysroot and --bus-address exclusive, repo commands on the sysroot's own
# repo, --json printed or refused, error lines escaped, completion scripts generated from the
# command tree.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

step "--version"
"$DEPLOYCTL" --version | grep -qx "deployctl [0-9][0-9.]*" || fail "deployctl --version"
"$DEPLOYD" --version | grep -qx "deployd [0-9][0-9.]*" || fail "deployd --version"

step "unknown commands name themselves"
expect_error "unknown command 'bogus'" "$DEPLOYCTL" bogus
expect_error "unknown command 'repo bogus'" "$DEPLOYCTL" repo bogus
expect_error "unknown command 'override bogus'" "$DEPLOYCTL" override bogus
expect_error "'repo' needs a command" "$DEPLOYCTL" repo

step "deployment indexes"
setup_deployed_sysroot
for bad in abc 1.5 -1 99999999999999999999999999999999999999; do
    out=$(dctl pin -- "$bad" 2>&1 >/dev/null) && fail "pin $bad accepted"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "pin $bad: more than one line: $out"
    [ "${#out}" -lt 120 ] || fail "pin $bad: error too long: $out"
    printf '%s\n' "$out" | grep -q "is not a deployment index" || fail "pin $bad: $out"
done
dctl --json pin 0 | json_field "d['pinned']" | grep -qx True || fail "pin --json"
dctl --json unpin 0 | json_field "d['index']" | grep -qx 0 || fail "unpin --json"

step "--sysroot and --bus-address exclude each other"
expect_error "excludes" "$DEPLOYCTL" --sysroot "$SR" --bus-address unix:path=/nonexistent status

step "repo commands default to the sysroot's repo"
dctl repo refs | grep -q "origin:os/stable" || fail "repo refs on the sysroot's repo"
dctl repo fsck >/dev/null || fail "repo fsck on the sysroot's repo"
expect_error "needs --repo DIR" "$DEPLOYCTL" repo refs

step "--json is printed or refused"
dctl --json remote add second "file://$REMOTE" | json_field "d['name']" | grep -qx second ||
    fail "remote add --json"
expect_error "has no JSON output" dctl --json repo cat origin:os/stable usr/lib/os-release
"$DEPLOYCTL" --json --sysroot "$WORK/other" init --os other | json_field "d['os']" | grep -qx other ||
    fail "init --json"

step "an error is one line, control characters escaped"
out=$(dctl rebase "$(printf 'origin:bad\nref\tx')" 2>&1 >/dev/null) && fail "rebase accepted"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "error over several lines: $out"

step "completion scripts"
"$DEPLOYCTL" completion bash > "$WORK/deployctl.bash"
words=$(bash -c '. "$1"; COMP_WORDS=(deployctl re); COMP_CWORD=1; _deployctl; echo "${COMPREPLY[*]}"' \
    sh "$WORK/deployctl.bash")
for w in rebase repo remote reset; do
    [[ " $words " == *" $w "* ]] || fail "bash completion of 're': '$words' lacks $w"
done
words=$(bash -c '. "$1"; COMP_WORDS=(deployctl --sysroot /x repo c); COMP_CWORD=4; _deployctl
    echo "${COMPREPLY[*]}"' sh "$WORK/deployctl.bash")
[ "$words" = "commit cat checkout" ] || [ "$words" = "cat checkout commit" ] ||
    [[ " $words " == *" commit "* && " $words " == *" cat "* ]] || fail "repo c completion: $words"
"$DEPLOYCTL" completion zsh | head -1 | grep -qx "#compdef deployctl" || fail "zsh completion"
if command -v zsh >/dev/null; then
    "$DEPLOYCTL" completion zsh | zsh -n || fail "zsh completion does not parse"
fi
expect_error "unknown shell 'fish'" "$DEPLOYCTL" completion fish
echo "PASS: cli basics"
