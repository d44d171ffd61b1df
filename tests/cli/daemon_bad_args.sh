#!/bin/sh
# Every bad bus argument is org.deployd.Deploy1.Error.Invalid with a message, the daemon survives
# all of them, and nothing is queued or changed.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon
before=$(snapshot)

call() {
    busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 "$@"
}
# invalid METHOD SIG ARGS...: the call must fail with Error.Invalid.
invalid() {
    if call "$@" >"$WORK/out" 2>"$WORK/err"; then
        fail "accepted: $*"
    fi
    # busctl prints the message; the name is checked through the journal-free log below.
    [ -s "$WORK/err" ] || fail "no error message for: $*"
}

invalid Rebase s ""
invalid Rebase s "../etc"
invalid Rebase s "origin:../x"
invalid Rebase s "bad remote:ref"
invalid Rebase s "origin:a//b"
invalid Rebase s "$(printf 'x\001y')"
invalid Deploy s ""
invalid Deploy s "1 2"
invalid Deploy s "a/b"
invalid KernelArgs asasas 1 "deploy=/x" 0 0
invalid KernelArgs asasas 1 "a b" 0 0
invalid KernelArgs asasas 1 "=x" 0 0
invalid KernelArgs asasas 1 'q="x' 0 0
invalid KernelArgs asasas 0 0 1 "noequals"
invalid Pin ub 4294967295 true
invalid RemoteAdd ss "bad/name" "file:///tmp"
invalid RemoteAdd ss "" "file:///tmp"
invalid RemoteAdd ss "ok" "ftp://example.com"
invalid RemoteAdd ss "ok" "file:///has space"
# Layering: empty lists, bad names, paths where descriptors belong (the daemon never opens a
# caller's path), and descriptors that are no RPM package. Messages name the argument.
# invalid_msg PATTERN METHOD SIG ARGS...: Invalid, and the message matches PATTERN (grep -E).
invalid_msg() {
    pattern=$1
    shift
    invalid "$@"
    grep -Eq "$pattern" "$WORK/err" || fail "message of $*: $(cat "$WORK/err")"
}
invalid_msg "packages and local_packages are both empty" Install asah 0 0
invalid_msg "packages\[0\] is empty" Install asah 1 "" 0
invalid_msg "packages\[1\]: '/etc/x.rpm' is a file name: pass local packages as file descriptors" \
    Install asah 2 bar /etc/x.rpm 0
invalid_msg "packages\[0\]: invalid package '-x'" Install asah 1 -- -x 0
invalid_msg "packages\[0\]: invalid package" Install asah 1 "$(printf 'a\001b')" 0
invalid_msg "packages is empty" Uninstall as 0
invalid_msg "packages\[0\]: invalid package name 'a/b'" Uninstall as 1 "a/b"
invalid_msg "packages\[1\]: invalid package name" Uninstall as 2 ok "a b"
invalid_msg "packages is empty" OverrideRemove as 0
invalid_msg "packages\[0\]: invalid package name '\.\.'" OverrideRemove as 1 ".."
invalid_msg "local_packages is empty" OverrideReplace ah 0
invalid_msg "packages is empty" OverrideReset asb 0 false
invalid_msg "packages must be empty when all is true" OverrideReset asb 1 bar true
invalid_msg "packages\[0\]: invalid package name" OverrideReset asb 1 "x;y" false
# A handle without a descriptor behind it (busctl cannot send descriptors; gdbus sends the
# number without one) is refused by the bus layer.
if command -v gdbus >/dev/null; then
    gdbus call -a "$BUS" -d org.deployd.Deploy1 -o /org/deployd/Deploy1 \
        -m org.deployd.Deploy1.OverrideReplace '[0]' >/dev/null 2>&1 && fail "a bare handle accepted"
fi
invalid UpgradePreview b true

# Wrong signatures are refused by the bus layer.
invalid Pin s "zero"
invalid Upgrade s "yes"

# Through deployctl: one line, exit 1, the daemon's message.
expect_fail 1 "^error: invalid remote URL 'ftp://x'" dctl remote add x ftp://x
expect_fail 1 "^error: .*deploy.* is managed by deployd" dctl kargs --append deploy=/x
expect_fail 1 "^error: invalid kernel argument 'x;reboot': ';' is not allowed" dctl kargs --append 'x;reboot'
expect_fail 1 "^error: " dctl rebase "nope:"

# Descriptors (deployctl opens FILE.rpm and passes the descriptor): not a package, a directory,
# a device. (A write-only descriptor: tests/daemon/local_rpm_test.cpp.)
printf '#!/bin/sh\necho not a package\n' >"$WORK/fake.rpm"
mkdir "$WORK/dir.rpm"
ln -s /dev/null "$WORK/null.rpm"
expect_fail 1 "^error: local_packages\[0\]: not an RPM package \(no RPM lead magic\)" \
    dctl install "$WORK/fake.rpm"
expect_fail 1 "^error: local_packages\[0\]: not a regular file" dctl install bar "$WORK/dir.rpm"
expect_fail 1 "^error: local_packages\[0\]: not a regular file" dctl override replace "$WORK/dir.rpm"
expect_fail 1 "^error: local_packages\[0\]: not a regular file" dctl install "$WORK/null.rpm"
expect_fail 1 "^error: local_packages\[0\]: not an RPM package" dctl override replace "$WORK/fake.rpm"
expect_fail 1 "^error: cannot open $WORK/missing\.rpm: No such file or directory" \
    dctl install bar "$WORK/missing.rpm"
expect_fail 1 "^error: packages\[0\]: invalid package name 'a/b'" dctl uninstall a/b

# A valid name that does not exist: NotFound from the engine, as a transaction error.
expect_fail 1 "^error: " dctl deploy 0123456789abcdef

# The error name on the bus is Invalid (use the typed reply through busctl's JSON output).
call Rebase s "../x" 2>&1 | grep -q "invalid" || fail "Rebase ../x message"
dbus-send --bus="$BUS" --print-reply --dest=org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.deployd.Deploy1.Rebase string:"../x" 2>"$WORK/err" && fail "dbus-send accepted ../x"
grep -q "org.deployd.Deploy1.Error.Invalid" "$WORK/err" || fail "error name: $(cat "$WORK/err")"
dbus-send --bus="$BUS" --print-reply --dest=org.deployd.Deploy1 /org/deployd/Deploy1 \
    org.deployd.Deploy1.Uninstall array:string:"a/b" 2>"$WORK/err" && fail "dbus-send accepted a/b"
grep -q "org.deployd.Deploy1.Error.Invalid" "$WORK/err" || fail "error name: $(cat "$WORK/err")"

kill -0 "$DAEMON_PID" || fail "deployd died"
bus_prop ActiveTransaction | grep -q '"/"' || fail "a bad call left a transaction"
[ "$(snapshot)" = "$before" ] || fail "sysroot changed by bad calls"
echo "daemon_bad_args: ok"
