"""RPMs for the layering rows, built once at data-preparation time and cached.

Packages:
- the fixture base of the CLI tests (tests/fixtures/rpms: filesystem, busybox, kernel), built
  from their spec files, and a base-files of our own (ostree admin deploy wants an os-release
  with ID; passwd and group so that rpm can resolve owners);
- bench-tool1..6: small generated packages (a 256 KiB "binary", 20 data files, a man page, a
  README and a %config(noreplace) file in /etc; ~350 KiB each), the packages that get layered;
- bench-bulk (full runs only): the debootstrap bookworm tree's /usr as one package, so the
  composed base is the size of a minimal OS (~5k files, ~150 MB) and layering pays for a real
  tree. Its payload is uncompressed (_binary_payload w0.ufdio): building and installing it is
  then I/O, not xz.

Everything rpmbuild writes stays under the cache directory (its own topdir and a private
%_dbpath: Debian's rpm would otherwise open ~/.rpmdb).
"""
import json
import os
import random
import shutil

from measure import run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_SPECS = os.path.join(ROOT, "tests", "fixtures", "rpms")
FIXTURE_PACKAGES = ["filesystem", "busybox", "kernel"]
BASE_PACKAGES = FIXTURE_PACKAGES + ["base-files"]
TOOLS = [f"bench-tool{i}" for i in range(1, 7)]
# Bump when the packages or their layout change: the cache is rebuilt.
VERSION = "1"

NO_POSTPROCESSING = [
    # No brp-* scripts (strip, compress, bytecompile), no debuginfo, no dependency scan over
    # thousands of files: the payload goes in as it is.
    "%global __os_install_post %{nil}",
    "%global debug_package %{nil}",
    "%global _build_id_links none",
    "%global __brp_check_rpaths %{nil}",
    "%define _binary_payload w0.ufdio",
]


def _rpmbuild(spec, top, out, dbpath, defines=()):
    cmd = ["rpmbuild", "-bb", "--quiet", "--nodeps",
           "--define", f"_dbpath {dbpath}", "--define", f"_topdir {top}",
           "--define", f"_rpmdir {out}",
           "--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
           "--define", "_buildhost bench", "--define", "use_source_date_epoch_as_buildtime 1"]
    for d in defines:
        cmd += ["--define", d]
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    run(cmd + [spec], env=env)


def _tool_payload(src, name, seed):
    """The files of one generated package, deterministic."""
    rng = random.Random(seed)

    def write(rel, data, mode=0o644):
        p = os.path.join(src, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
    write(f"usr/bin/{name}", rng.randbytes(256 << 10), 0o755)
    for i in range(20):
        write(f"usr/lib/{name}/data{i:02d}", rng.randbytes(rng.randrange(1024, 8192)))
    write(f"usr/share/man/man1/{name}.1", f".TH {name} 1\n".encode() + rng.randbytes(2048))
    write(f"usr/share/doc/{name}/README", f"{name}: benchmark package\n".encode())
    write(f"etc/{name}.conf", f"# {name}\nkey=value\n".encode())


def _tool_spec(name, src, path):
    files = [f"/usr/bin/{name}", f"/usr/lib/{name}", f"/usr/share/man/man1/{name}.1",
             f"/usr/share/doc/{name}", f"%config(noreplace) /etc/{name}.conf"]
    text = "\n".join(NO_POSTPROCESSING + [
        f"Name: {name}", "Version: 1.0", "Release: 1", f"Summary: benchmark package {name}",
        "License: MIT", "BuildArch: noarch", "AutoReqProv: no", "Requires: filesystem", "",
        "%description", "A small generated package that the benchmark layers.", "",
        "%install", "mkdir -p %{buildroot}", f"cp -a {src}/. %{{buildroot}}/", "",
        "%files"] + files) + "\n"
    with open(path, "w") as f:
        f.write(text)


def _base_files_spec(path):
    text = "\n".join(NO_POSTPROCESSING + [
        "Name: base-files", "Version: 1.0", "Release: 1", "Summary: benchmark base configuration",
        "License: MIT", "BuildArch: noarch", "AutoReqProv: no", "Requires: filesystem", "",
        "%description", "os-release, passwd, group, hosts.", "",
        "%install", "mkdir -p %{buildroot}/etc %{buildroot}/usr/lib",
        "printf 'NAME=bench\\nID=bench\\nPRETTY_NAME=\"bench OS\"\\nVERSION_ID=1\\n' "
        "> %{buildroot}/usr/lib/os-release",
        "printf 'root:x:0:0:root:/root:/bin/sh\\n' > %{buildroot}/etc/passwd",
        "printf 'root:x:0:\\n' > %{buildroot}/etc/group",
        "echo '127.0.0.1 localhost' > %{buildroot}/etc/hosts", "",
        "%files", "/usr/lib/os-release", "%config(noreplace) /etc/passwd",
        "%config(noreplace) /etc/group", "%config(noreplace) /etc/hosts"]) + "\n"
    with open(path, "w") as f:
        f.write(text)


def _bulk_spec(usr, path):
    # The fixture base owns /usr/bin/sh (busybox) and /usr/lib/os-release (base-files); the rest
    # of Debian's /usr goes in as is. No scriptlets, no dependencies.
    text = "\n".join(NO_POSTPROCESSING + [
        "%define _unpackaged_files_terminate_build 0",
        "Name: bench-bulk", "Version: 12", "Release: 1",
        "Summary: Debian bookworm minbase /usr as one package (benchmark bulk)",
        "License: various", "AutoReqProv: no", "Requires: filesystem", "",
        "%description", "The bulk of a minimal OS tree, so that layering works on a real size.",
        "", "%install", "mkdir -p %{buildroot}",
        f"cp -a {usr} %{{buildroot}}/usr",
        "rm -f %{buildroot}/usr/bin/sh %{buildroot}/usr/lib/os-release",
        "rm -rf %{buildroot}/usr/lib/modules", "",
        "%files", "/usr/*"]) + "\n"
    with open(path, "w") as f:
        f.write(text)


class RpmRepos:
    """The rpm-md repositories under cache_dir: 'small' (fixture base + tools) and, once
    prepare_bulk() ran, 'bulk' (bench-bulk alone)."""

    def __init__(self, cache_dir):
        self.dir = cache_dir
        self.small = os.path.join(cache_dir, "repo-small")
        self.bulk = os.path.join(cache_dir, "repo-bulk")
        self._top = os.path.join(cache_dir, "rpmbuild")
        self._db = os.path.join(cache_dir, "rpmbuild-db")

    def _done(self, what):
        return os.path.join(self.dir, f".done-{what}-v{VERSION}")

    def prepare_small(self):
        if os.path.exists(self._done("small")):
            return
        print("  building the layering RPMs (once) ...", flush=True)
        shutil.rmtree(self.small, ignore_errors=True)
        os.makedirs(self.small)
        for name in FIXTURE_PACKAGES:
            _rpmbuild(os.path.join(FIXTURE_SPECS, name + ".spec"), self._top, self.small,
                      self._db)
        specs = os.path.join(self.dir, "specs")
        os.makedirs(specs, exist_ok=True)
        spec = os.path.join(specs, "base-files.spec")
        _base_files_spec(spec)
        _rpmbuild(spec, self._top, self.small, self._db)
        for i, name in enumerate(TOOLS):
            src = os.path.join(self.dir, "src", name)
            shutil.rmtree(src, ignore_errors=True)
            _tool_payload(src, name, i)
            spec = os.path.join(specs, name + ".spec")
            _tool_spec(name, src, spec)
            _rpmbuild(spec, self._top, self.small, self._db)
        run(["createrepo_c", "--quiet", self.small])
        open(self._done("small"), "w").close()

    def prepare_bulk(self, debootstrap_tree):
        if os.path.exists(self._done("bulk")):
            return
        print("  building the bench-bulk RPM from the debootstrap tree's /usr (once) ...",
              flush=True)
        shutil.rmtree(self.bulk, ignore_errors=True)
        os.makedirs(self.bulk)
        spec = os.path.join(self.dir, "specs", "bench-bulk.spec")
        os.makedirs(os.path.dirname(spec), exist_ok=True)
        _bulk_spec(os.path.join(debootstrap_tree, "usr"), spec)
        _rpmbuild(spec, self._top, self.bulk, self._db)
        shutil.rmtree(os.path.join(self._top, "BUILDROOT"), ignore_errors=True)
        run(["createrepo_c", "--quiet", self.bulk])
        open(self._done("bulk"), "w").close()

    def repos(self, bulk):
        out = [("bench", self.small)]
        if bulk:
            out.append(("bench-bulk", self.bulk))
        return out

    def treefile(self, path, ref, bulk):
        tf = {"ref": ref, "version": "1",
              "repos": [{"name": n, "baseurl": "file://" + d} for n, d in self.repos(bulk)],
              "packages": BASE_PACKAGES + (["bench-bulk"] if bulk else []),
              "kernel_args": ["quiet"]}
        with open(path, "w") as f:
            json.dump(tf, f, indent=1)

    def repo_file(self, bulk):
        """/etc/yum.repos.d/bench.repo text (both deployctl and dnf read this format)."""
        return "".join(f"[{n}]\nname={n}\nbaseurl=file://{d}\nenabled=1\ngpgcheck=0\n\n"
                       for n, d in self.repos(bulk))


def file_digest(path):
    """Cheap identity of a binary (size and mtime): the composed bases are rebuilt when the
    deployctl under test changes."""
    st = os.stat(path)
    return f"{st.st_size}-{int(st.st_mtime)}"
