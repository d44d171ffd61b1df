# Helpers for the layering scenarios (source after common.sh). Fixture RPMs are built here, at
# test time, from tests/fixtures/rpms/*.spec, so nothing binary lives in the source tree.
: "${TESTS_DIR:?TESTS_DIR must point at the tests/ directory}"
SPECS="$TESTS_DIR/fixtures/rpms"
RPMREPO="$WORK/rpmrepo"        # the rpm-md repository (createrepo_c)
RPMOUT="$WORK/rpms"            # packages kept out of the repository (local installs, upgrades)

# rpmbuild_spec SPEC OUTDIR [rpmbuild args...]: builds the binary package(s) of one spec into
# OUTDIR. Everything rpmbuild writes stays under $WORK (its own topdir, no ~/rpmbuild).
rpmbuild_spec() {
    local spec=$1 out=$2; shift 2
    local top="$WORK/rpmbuild"
    mkdir -p "$top" "$out"
    # --nodeps and a private _dbpath: rpmbuild would otherwise open (and create) the host's rpmdb
    # (Debian's rpm defaults %_dbpath to ~/.rpmdb) to check BuildRequires.
    SOURCE_DATE_EPOCH=1700000000 rpmbuild -bb --quiet --nodeps --define "_dbpath $WORK/rpmbuild-db" \
        --define "_topdir $top" --define "_rpmdir $out" \
        --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
        --define "_buildhost fixture" --define "use_source_date_epoch_as_buildtime 1" \
        "$@" "$SPECS/$spec.spec" >/dev/null 2>"$WORK/rpmbuild.log" ||
        { cat "$WORK/rpmbuild.log" >&2; fail "rpmbuild $spec"; }
}

# The base set plus the layering fixtures, indexed with createrepo_c.
build_fixture_repo() {
    for s in filesystem busybox kernel base-files libfoo bar baz qux scripted badpre sleeper; do
        rpmbuild_spec "$s" "$RPMREPO"
    done
    rpmbuild_spec localtool "$RPMOUT"
    rpmbuild_spec libfoo "$RPMOUT/upgrade" --define "ver 1.1"
    # Replacements of a base package (override replace): one newer, one older.
    rpmbuild_spec base-files "$RPMOUT/replace" --define "ver 1.1"
    rpmbuild_spec base-files "$RPMOUT/replace" --define "ver 0.9"
    createrepo_c --quiet "$RPMREPO" >/dev/null || fail "createrepo_c"
}

# Adds the libfoo 1.1 upgrade to the repository and re-indexes it.
publish_libfoo_upgrade() {
    cp "$RPMOUT"/upgrade/libfoo-1.1-*.rpm "$RPMREPO/"
    createrepo_c --quiet --update "$RPMREPO" >/dev/null || fail "createrepo_c --update"
}

# write_treefile FILE REF VERSION: the fixture base OS.
write_treefile() {
    cat > "$1" <<JSON
{
  "ref": "$2",
  "version": "$3",
  "repos": [{"name": "fixture", "baseurl": "file://$RPMREPO"}],
  "packages": ["filesystem", "busybox", "kernel", "base-files"],
  "exclude": ["qux"],
  "kernel_args": ["quiet", "console=ttyS0"]
}
JSON
}

# The repo file the layering commands read from the merge deployment's /etc/yum.repos.d.
write_yum_repo() {
    local etc=$1
    mkdir -p "$etc/yum.repos.d"
    printf '[fixture]\nname=Fixture\nbaseurl=file://%s\nenabled=1\ngpgcheck=0\n' "$RPMREPO" \
        > "$etc/yum.repos.d/fixture.repo"
}

# The default deployment's directory in the sysroot.
default_deployment_dir() {
    echo "$SR$(dctl status --json | json_field 'd["deployments"][0]["path"]')"
}

# setup_composed_base: fixture repo, base 1.0 composed to os/base in $REMOTE, a sysroot deployed
# from it with the fixture .repo in its /etc. Sets $base (the composed commit).
setup_composed_base() {
    build_fixture_repo
    "$DEPLOYCTL" repo init --repo "$REMOTE"
    write_treefile tf.json os/base 1.0
    base=$("$DEPLOYCTL" compose --repo "$REMOTE" tf.json)
    dctl init --os testos >/dev/null
    dctl remote add origin "file://$REMOTE" >/dev/null
    dctl rebase origin:os/base >/dev/null
    write_yum_repo "$(default_deployment_dir)/etc"
}
