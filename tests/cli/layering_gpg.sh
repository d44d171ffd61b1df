#!/usr/bin/env bash
# gpgcheck=1 for layering: packages of a signed repo install when signed by the repo's key (read
# from the merge deployment's /etc/pki/rpm-gpg, or over http); an unsigned package, one signed by
# another key, a tampered signature or payload, a missing / non-key / out-of-tree key, and
# gpgcheck=1 without gpgkey are each refused with the package named, leaving the sysroot as it
# was. Local .rpm files are not checked. Keys are generated at test time.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/layering.sh"
. "$HERE/lib/signing.sh"
HTTP_PID=""
trap 'stop_gpg_agent; [ -z "$HTTP_PID" ] || kill "$HTTP_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

step "keys, signed packages, a composed base"
make_signing_key fixture
make_signing_key stranger
fixture_id=$(key_id fixture)
stranger_id=$(key_id stranger)
build_fixture_repo
SIGNED="$WORK/signed"  # bar and its dependency libfoo, signed by the repo's key
mkdir -p "$SIGNED"
cp "$RPMREPO"/bar-1.0-*.rpm "$RPMREPO"/libfoo-1.0-*.rpm "$SIGNED/"
sign_rpms fixture "$SIGNED"/*.rpm
rpm -qp --qf '%{RSAHEADER:pgpsig}\n' "$SIGNED"/bar-1.0-*.rpm 2>/dev/null | grep -q "$fixture_id" ||
    fail "fixture signing did not sign bar with key $fixture_id"
"$DEPLOYCTL" repo init --repo "$REMOTE"
write_treefile tf.json os/base 1.0
base=$("$DEPLOYCTL" compose --repo "$REMOTE" tf.json)
dctl init --os testos >/dev/null
dctl remote add origin "file://$REMOTE" >/dev/null
dctl rebase origin:os/base >/dev/null

# case_repo NAME [LOCALTOOL_FILE]: sets CASE_URL to a new repo with the signed bar/libfoo, plus
# localtool as given; indexed after any tampering, so its checksums match and only the signature
# check can tell.
case_repo() {
    local dir="$WORK/case-$1"
    mkdir -p "$dir"
    cp "$SIGNED"/*.rpm "$dir/"
    [ -z "${2:-}" ] || cp "$2" "$dir/"
    createrepo_c --quiet "$dir" >/dev/null || fail "createrepo_c $dir"
    CASE_URL="file://$dir"
}

# Puts the repo's key and a .repo with gpgcheck=1 into the merge deployment's /etc.
configure() {  # configure BASEURL GPGKEY
    local etc
    etc="$(default_deployment_dir)/etc"
    mkdir -p "$etc/pki/rpm-gpg"
    cp "$KEYS/fixture.asc" "$etc/pki/rpm-gpg/RPM-GPG-KEY-fixture"
    cp "$KEYS/stranger.asc" "$etc/pki/rpm-gpg/RPM-GPG-KEY-stranger"
    write_signed_yum_repo "$etc" signed "$1" "$2"
}

KEY_URL=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fixture

step "a signed package installs (two keys listed, the second one signed)"
case_repo good
configure "$CASE_URL" \
    "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-stranger, $KEY_URL"
dctl install bar | tee install.out
grep -q "Verified signature of bar-1.0-1.noarch (key $fixture_id)" install.out ||
    fail "no 'Verified signature' line for bar"
grep -q "Verified signature of libfoo-1.0-1.noarch (key $fixture_id)" install.out ||
    fail "no 'Verified signature' line for libfoo"
[ -x "$(default_deployment_dir)/usr/bin/bar" ] || fail "bar not installed"
dctl status --json > st.json
[ "$(json_field 'd["deployments"][0]["layered_packages"]' < st.json)" = "['bar']" ] ||
    fail "layered_packages should be ['bar']"
[ "$(json_field 'd["deployments"][0]["base_commit"]' < st.json)" = "$base" ] ||
    fail "base_commit should be the composed commit"

# refused PATTERN: `install localtool` fails naming PATTERN; status and the sysroot are unchanged.
refused() {
    local status_before snap_before
    status_before=$(dctl status --json)
    snap_before=$(snapshot)
    expect_error "$1" dctl install localtool
    [ "$(dctl status --json)" = "$status_before" ] || fail "a refused install changed status"
    [ "$(snapshot)" = "$snap_before" ] || fail "a refused install changed the sysroot"
    [ -z "$(leftovers)" ] || fail "a refused install left: $(leftovers)"
}

step "an unsigned package is refused"
case_repo unsigned "$RPMOUT"/localtool-2.0-1.noarch.rpm
configure "$CASE_URL" "$KEY_URL"
refused "package localtool-2.0-1.noarch from repo 'signed' is not signed"

step "a package signed with another key is refused"
cp "$RPMOUT"/localtool-2.0-1.noarch.rpm "$WORK/localtool-stranger.rpm"
sign_rpms stranger "$WORK/localtool-stranger.rpm"
case_repo stranger "$WORK/localtool-stranger.rpm"
configure "$CASE_URL" "$KEY_URL"
refused "package localtool-2.0-1.noarch from repo 'signed' is signed with key $stranger_id, which is not one of the repo's keys"

step "a tampered signature is refused"
mkdir -p "$WORK/tampered"
cp "$RPMOUT"/localtool-2.0-1.noarch.rpm "$WORK/tampered/"
sign_rpms fixture "$WORK/tampered/localtool-2.0-1.noarch.rpm"
tamper_rpm_signature "$WORK/tampered/localtool-2.0-1.noarch.rpm"
case_repo tampered "$WORK/tampered/localtool-2.0-1.noarch.rpm"
configure "$CASE_URL" "$KEY_URL"
refused "package localtool-2.0-1.noarch from repo 'signed' fails signature verification"

step "a payload altered after signing is refused"
mkdir -p "$WORK/payload"
cp "$RPMOUT"/localtool-2.0-1.noarch.rpm "$WORK/payload/"
sign_rpms fixture "$WORK/payload/localtool-2.0-1.noarch.rpm"
tamper_rpm_payload "$WORK/payload/localtool-2.0-1.noarch.rpm"
case_repo payload "$WORK/payload/localtool-2.0-1.noarch.rpm"
configure "$CASE_URL" "$KEY_URL"
refused "package localtool-2.0-1.noarch from repo 'signed' fails signature verification"

# From here the packages are fine; the keys are not.
cp "$RPMOUT"/localtool-2.0-1.noarch.rpm "$WORK/localtool-signed.rpm"
sign_rpms fixture "$WORK/localtool-signed.rpm"
case_repo all-signed "$WORK/localtool-signed.rpm"
GOOD_REPO=$CASE_URL

step "gpgcheck=1 without gpgkey is refused"
configure "$GOOD_REPO" ""
refused "from repo 'signed': gpgcheck=1 but no gpgkey"

step "a missing key file is refused"
configure "$GOOD_REPO" file:///etc/pki/rpm-gpg/RPM-GPG-KEY-missing
refused "cannot check package .* from repo 'signed': cannot open /etc/pki/rpm-gpg/RPM-GPG-KEY-missing"

step "a key file that is not a key is refused"
configure "$GOOD_REPO" file:///etc/hosts
refused "gpgkey file:///etc/hosts is not an OpenPGP public key"

step "a key reached through a symlink out of the tree is refused"
etc="$(default_deployment_dir)/etc"
cp "$KEYS/fixture.asc" "$WORK/outside.asc"
configure "$GOOD_REPO" file:///etc/pki/rpm-gpg/escape-absolute
ln -s "$WORK/outside.asc" "$etc/pki/rpm-gpg/escape-absolute"
refused "cannot open /etc/pki/rpm-gpg/escape-absolute"
configure "$GOOD_REPO" file:///etc/pki/rpm-gpg/escape-relative
ln -s "../../../../../../../../../../../../..$WORK/outside.asc" "$etc/pki/rpm-gpg/escape-relative"
refused "cannot open /etc/pki/rpm-gpg/escape-relative"
rm -f "$etc"/pki/rpm-gpg/escape-*

step "a symlink inside the tree is followed (as if the tree were /)"
configure "$GOOD_REPO" file:///etc/pki/rpm-gpg/current
ln -s /etc/pki/rpm-gpg/RPM-GPG-KEY-fixture "$etc/pki/rpm-gpg/current"
dctl install localtool > install.out
grep -q "Verified signature of localtool-2.0-1.noarch (key $fixture_id)" install.out ||
    fail "localtool signed by the repo's key (through an in-tree symlink) should install"
[ -x "$(default_deployment_dir)/usr/bin/localtool" ] || fail "localtool not installed"
dctl uninstall localtool >/dev/null

step "a key over http"
python3 -m http.server --bind 127.0.0.1 --directory "$KEYS" 0 > "$WORK/http.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do
    port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "http server did not start"
configure "$GOOD_REPO" "http://127.0.0.1:$port/fixture.asc"
dctl install localtool > install.out
grep -q "Verified signature of localtool-2.0-1.noarch (key $fixture_id)" install.out ||
    fail "localtool should install with the key fetched over http"
dctl uninstall localtool >/dev/null
configure "$GOOD_REPO" "http://127.0.0.1:$port/stranger.asc"
refused "is signed with key $fixture_id, which is not one of the repo's keys ($stranger_id; gpgkey=http://"
configure "$GOOD_REPO" "http://127.0.0.1:$port/missing.asc"
refused "cannot download http://127.0.0.1:$port/missing.asc"

step "a local .rpm is not checked (like rpm-ostree)"
configure "$GOOD_REPO" "$KEY_URL"
dctl install "$RPMOUT"/localtool-2.0-1.noarch.rpm >/dev/null
[ -x "$(default_deployment_dir)/usr/bin/localtool" ] || fail "unsigned local localtool not installed"

step "compose: a treefile repo with gpgcheck checks against a host key"
sed "s|\"baseurl\": \"file://$RPMREPO\"|&, \"gpgcheck\": true, \"gpgkey\": \"file://$KEYS/fixture.asc\"|" \
    tf.json > tf-gpg.json
grep -q gpgcheck tf-gpg.json || fail "treefile edit"
expect_error "from repo 'fixture' is not signed" "$DEPLOYCTL" compose --repo "$REMOTE" tf-gpg.json
"$DEPLOYCTL" repo fsck --repo "$SR/repo" >/dev/null || fail "fsck"
echo PASS
