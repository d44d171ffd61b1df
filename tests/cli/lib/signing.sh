# Helpers for package signing scenarios (source after common.sh and layering.sh). OpenPGP keys are
# generated at test time in a private GNUPGHOME under $WORK: nothing secret lives in the source
# tree, and the user's own keyring is never touched.
export GNUPGHOME="$WORK/gnupg"
KEYS="$WORK/keys"  # exported public keys, NAME.asc

# make_signing_key NAME: an RSA 2048 signing key (no passphrase) with user id NAME@deployd.test,
# its public key exported (armored) to $KEYS/NAME.asc.
make_signing_key() {
    local name=$1
    mkdir -p "$GNUPGHOME" "$KEYS"
    chmod 700 "$GNUPGHOME"
    gpg --batch --quiet --passphrase '' --quick-gen-key "$name <$name@deployd.test>" \
        rsa2048 sign never 2>"$WORK/gpg.log" || { cat "$WORK/gpg.log" >&2; fail "gpg key $name"; }
    gpg --batch --armor --export "$name@deployd.test" > "$KEYS/$name.asc"
    grep -q 'BEGIN PGP PUBLIC KEY BLOCK' "$KEYS/$name.asc" || fail "export of key $name"
}

# The long key id (16 hex digits, lower case) of key NAME.
key_id() {
    gpg --batch --with-colons --list-keys "$1@deployd.test" |
        awk -F: '$1 == "pub" { print tolower($5); exit }'
}

# sign_rpms NAME FILE...: adds a signature by key NAME to each package, in place.
sign_rpms() {
    local name=$1; shift
    rpmsign --addsign --define "_gpg_name $name@deployd.test" --define "_gpg_path $GNUPGHOME" \
        --define "__gpg /usr/bin/gpg" --define "_dbpath $WORK/rpmbuild-db" "$@" \
        >"$WORK/rpmsign.log" 2>&1 || { cat "$WORK/rpmsign.log" >&2; fail "rpmsign $*"; }
}

# tamper_rpm_signature FILE: flips one byte inside the package's RSA header signature, so the
# signature no longer matches the header it signs (the file stays a well-formed rpm).
tamper_rpm_signature() {
    python3 - "$1" <<'PY' || fail "tamper $1"
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
sig = 96  # the signature header follows the 96-byte lead
assert data[sig:sig + 3] == b"\x8e\xad\xe8", "no signature header"
count = struct.unpack(">I", data[sig + 8:sig + 12])[0]
store = sig + 16 + 16 * count
for i in range(count):
    tag, typ, offset, n = struct.unpack(">IIII", data[sig + 16 + 16 * i:sig + 32 + 16 * i])
    if tag == 268:  # RPMSIGTAG_RSA: the OpenPGP signature of the header
        data[store + offset + n - 8] ^= 0x01  # inside the RSA signature value
        break
else:
    sys.exit("no RSA header signature")
open(path, "wb").write(data)
PY
}

# tamper_rpm_payload FILE: flips the last byte of the (compressed) payload; the signed header
# stays intact, so only the payload digest the signature covers can tell.
tamper_rpm_payload() {
    python3 - "$1" <<'PY' || fail "tamper payload $1"
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[-1] ^= 0x01
open(path, "wb").write(data)
PY
}

# write_signed_yum_repo ETC NAME BASEURL GPGKEY: a .repo (replacing every other one) with
# gpgcheck=1; GPGKEY is the gpgkey= value as written (empty: no gpgkey line).
write_signed_yum_repo() {
    local etc=$1 name=$2 baseurl=$3 gpgkey=$4
    mkdir -p "$etc/yum.repos.d"
    rm -f "$etc"/yum.repos.d/*.repo
    {
        printf '[%s]\nname=%s\nbaseurl=%s\nenabled=1\ngpgcheck=1\n' "$name" "$name" "$baseurl"
        [ -z "$gpgkey" ] || printf 'gpgkey=%s\n' "$gpgkey"
    } > "$etc/yum.repos.d/$name.repo"
}

# stop_gpg_agent: the agent gpg started for $GNUPGHOME (call before $WORK is removed).
stop_gpg_agent() {
    gpgconf --kill gpg-agent 2>/dev/null || true
}
