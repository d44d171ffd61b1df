#!/usr/bin/env bash
# compose: a treefile of RPMs becomes a deployable commit with /etc in usr/etc, the rpmdb at
# usr/lib/sysimage/rpm, the package list in the metadata; the same inputs give the same tree; the
# host's rpmdb is never touched; corrupt repository metadata is refused with a clear message.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"

build_fixture_repo
"$DEPLOYCTL" repo init --repo "$REMOTE"
write_treefile tf.json os/base 1.0
host_db=$(rpm --eval '%_dbpath')
host_state() { find "$host_db" -printf '%p %s %T@\n' 2>/dev/null | sort | md5sum || true; }
host_before=$(host_state)

step "compose"
c1=$("$DEPLOYCTL" compose --repo "$REMOTE" tf.json)
[ "$("$DEPLOYCTL" repo refs --repo "$REMOTE")" = "os/base" ] || fail "ref os/base"
"$DEPLOYCTL" repo ls --repo "$REMOTE" -R os/base / > ls.out
grep -q ' /usr/etc/base.conf$' ls.out || fail "etc moved to usr/etc"
! grep -q ' /etc/' ls.out || fail "no top-level etc in the tree"
grep -q ' /usr/lib/sysimage/rpm/rpmdb.sqlite$' ls.out || fail "rpmdb at usr/lib/sysimage/rpm"
! grep -q 'rpmdb.sqlite-shm' ls.out || fail "sqlite leftovers committed"
grep -q ' /usr/lib/modules/6.1.0/vmlinuz$' ls.out || fail "kernel"
grep -q ' /usr/bin/sh -> busybox$' ls.out || fail "busybox /bin/sh"
! grep -q '/usr/bin/qux' ls.out || fail "excluded package installed"
python3 - "$REMOTE" "$c1" <<'PY' || fail "commit metadata"
import json, sys, os
repo, commit = sys.argv[1:]
c = json.load(open(os.path.join(repo, "objects", commit[:2], commit[2:] + ".commit")))
m = c["metadata"]
names = sorted(p["nevra"] for p in m["packages"])
assert names == ["base-files-1.0-1.noarch", "busybox-1.35-1.x86_64", "filesystem-1.0-1.noarch",
                 "kernel-6.1.0-1.noarch"], names
assert all(len(p["sha256"]) == 64 and p["sha256header"] for p in m["packages"]), m["packages"]
assert m["kernel_args"] == ["quiet", "console=ttyS0"], m["kernel_args"]
PY
[ "$(host_state)" = "$host_before" ] ||
    fail "the host rpmdb ($host_db) was touched"

step "same inputs, same tree"
c2=$("$DEPLOYCTL" compose --repo "$REMOTE" tf.json)
[ -z "$("$DEPLOYCTL" repo diff --repo "$REMOTE" "$c1" "$c2")" ] || {
    "$DEPLOYCTL" repo diff --repo "$REMOTE" "$c1" "$c2"; fail "recompose changed the tree"; }

step "http:// repositories (libcurl)"
port_file="$WORK/http.port"
python3 -c '
import http.server, socketserver, sys, os, functools
os.chdir(sys.argv[1])
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
h.log_message = lambda *a: None
with socketserver.TCPServer(("127.0.0.1", 0), h) as s:
    open(sys.argv[2], "w").write(str(s.server_address[1]))
    s.serve_forever()
' "$RPMREPO" "$port_file" 2>/dev/null &
http_pid=$!
trap 'kill $http_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
sed "s|file://$RPMREPO|http://127.0.0.1:$(cat "$port_file")|" tf.json > http.json
c3=$("$DEPLOYCTL" compose --repo "$REMOTE" --cache-dir "$WORK/cache" http.json)
[ -z "$("$DEPLOYCTL" repo diff --repo "$REMOTE" "$c1" "$c3")" ] || fail "http compose differs"
ls "$WORK"/cache/fixture/packages/busybox-*.rpm >/dev/null || fail "packages not cached"
kill $http_pid; wait $http_pid 2>/dev/null || true

step "the composed base deploys"
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/base >/dev/null
[ -x "$(default_deployment_dir)/usr/bin/busybox" ] || fail "deployment"

step "unresolvable treefile refused"
sed 's/"base-files"/"base-files", "baz"/' tf.json > bad.json
expect_error "nothing provides libmissing needed by baz-1.0-1.noarch" \
    "$DEPLOYCTL" compose --repo "$REMOTE" bad.json

step "corrupt repository metadata refused"
write_yum_repo "$(default_deployment_dir)/etc"
before=$(snapshot)
primary=$(ls "$RPMREPO"/repodata/*-primary.xml.*)
cp "$primary" primary.bak
printf 'garbage' >> "$primary"
expect_error "repository 'fixture'.*does not match the checksum" \
    "$DEPLOYCTL" compose --repo "$REMOTE" tf.json
expect_error "repository 'fixture'.*does not match the checksum" dctl install bar
cp primary.bak "$primary"
echo "<repomd" > "$RPMREPO/repodata/repomd.xml"
expect_error "repository 'fixture'" dctl install bar
[ "$(snapshot)" = "$before" ] || fail "a refused install changed the sysroot"
echo PASS
