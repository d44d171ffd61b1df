"""Layering rows: install packages onto a composed base, end to end, against dnf + ostree.

The base is composed once by `deployctl compose` from RPMs (rpms.py) and imported unchanged into
an ostree repository (checkout of our commit, `ostree commit`): both tools start from the same
tree and install the same RPMs from the same file:// repository.

Per run and tool, untimed: a fresh sysroot with the base deployed, and the repository configured
in the deployment's /etc/yum.repos.d. Timed:
- ours: `deployctl --sysroot S install PKG...` (resolve, install, commit, deploy, in one process);
- theirs, what rpm-ostree's layering is made of, with the stock tools:
  `ostree checkout` of the base (hardlinks) → make it writable where rpm writes in place (the
  rpmdb is copied; everything else rpm replaces by rename) and move usr/etc to etc →
  `dnf --installroot ROOT install PKG...` → move etc back, drop dnf's own state from the tree →
  `ostree commit --link-checkout-speedup` → `ostree admin deploy` → `rm -rf ROOT`.
  dnf uses the tree's rpmdb (usr/lib/sysimage/rpm, through %_dbpath in a private HOME's
  .rpmmacros: Debian's rpm defaults to ~/.rpmdb) and a metadata cache kept outside the tree
  (linked in at var/cache/dnf, warmed once before the runs).
"""
import json
import os
import shutil

import rpms
from datasets import _debootstrap
from measure import run, timed
from tools import OS_NAME

TITLES = {
    "layer-debian": "layering on a composed base (fixture base + Debian bookworm minbase /usr as "
                    "one RPM)",
    "layer-tiny": "layering on a tiny composed base (fixture packages only)",
}
BASE_REF = "base"
ONE = rpms.TOOLS[:1]
SIX = rpms.TOOLS


def _count(root):
    files = dirs = links = size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirs += len(dirnames)
        for f in filenames:
            st = os.lstat(os.path.join(dirpath, f))
            if os.path.islink(os.path.join(dirpath, f)):
                links += 1
            else:
                files += 1
                size += st.st_size
    return {"files": files, "dirs": dirs, "symlinks": links, "bytes": size}


class LayerSet:
    """A composed base and what both tools need to layer on it."""

    def __init__(self, name, data_dir, deployctl, ops):
        self.name = name
        self.bulk = name == "layer-debian"
        self.data_dir = data_dir
        self.deployctl = deployctl
        self.ops = ops  # [(key, packages)]
        self.rpms = rpms.RpmRepos(os.path.join(data_dir, "layering"))
        self.dir = os.path.join(data_dir, "layering", name)
        self.base = {"ours": os.path.join(self.dir, "base-ours"),
                     "ostree": os.path.join(self.dir, "base-ostree")}
        self.dnf_cache = os.path.join(self.dir, "dnf-cache")
        self.home = os.path.join(self.dir, "home")
        self.dnf_conf = os.path.join(self.dir, "dnf.conf")
        self.reposdir = os.path.join(self.dir, "yum.repos.d")
        self._describe = None

    def prepare(self):
        self.rpms.prepare_small()
        if self.bulk:
            self.rpms.prepare_bulk(_debootstrap(self.data_dir))
        os.makedirs(self.dir, exist_ok=True)
        self._dnf_files()
        key = f"{rpms.VERSION}-{rpms.file_digest(self.deployctl)}"
        stamp = os.path.join(self.dir, ".base")
        if os.path.exists(stamp) and open(stamp).read() == key:
            with open(os.path.join(self.dir, "describe.json")) as f:
                self._describe = json.load(f)
            return
        print(f"  composing the {self.name} base with deployctl compose (untimed, once per "
              f"deployctl build) ...", flush=True)
        for p in list(self.base.values()) + [self.dnf_cache]:
            shutil.rmtree(p, ignore_errors=True)
        treefile = os.path.join(self.dir, "treefile.json")
        self.rpms.treefile(treefile, BASE_REF, self.bulk)
        run([self.deployctl, "repo", "init", "--repo", self.base["ours"]])
        t, _, _ = timed([[self.deployctl, "compose", "--repo", self.base["ours"], treefile]])
        tree = os.path.join(self.dir, "tree")
        shutil.rmtree(tree, ignore_errors=True)
        run([self.deployctl, "repo", "checkout", "--repo", self.base["ours"], BASE_REF, tree])
        run(["ostree", "init", "--repo", self.base["ostree"], "--mode=bare"])
        run(["ostree", "commit", "--repo", self.base["ostree"], "--branch", BASE_REF, tree])
        self._describe = _count(tree)
        self._describe["packages"] = len(rpms.BASE_PACKAGES) + (1 if self.bulk else 0)
        self._describe["compose_s"] = t
        shutil.rmtree(tree)
        with open(os.path.join(self.dir, "describe.json"), "w") as f:
            json.dump(self._describe, f)
        # Warm dnf's metadata cache once, as on any machine that has used dnf before.
        warm = os.path.join(self.dir, "warm-root")
        shutil.rmtree(warm, ignore_errors=True)
        os.makedirs(os.path.join(warm, "var/cache"))
        os.makedirs(self.dnf_cache)
        os.symlink(self.dnf_cache, os.path.join(warm, "var/cache/dnf"))
        run(self._dnf(warm) + ["makecache"], env=self._env())
        shutil.rmtree(warm)
        with open(stamp, "w") as f:
            f.write(key)

    def _dnf_files(self):
        os.makedirs(self.home, exist_ok=True)
        with open(os.path.join(self.home, ".rpmmacros"), "w") as f:
            f.write("%_dbpath /usr/lib/sysimage/rpm\n")
        os.makedirs(self.reposdir, exist_ok=True)
        with open(os.path.join(self.reposdir, "bench.repo"), "w") as f:
            f.write(self.rpms.repo_file(self.bulk))
        with open(self.dnf_conf, "w") as f:
            f.write(f"[main]\ngpgcheck=0\ninstall_weak_deps=False\nreposdir={self.reposdir}\n"
                    "metadata_expire=never\nkeepcache=False\n")

    def _env(self):
        return dict(os.environ, HOME=self.home)

    def _dnf(self, root):
        return ["dnf", "-c", self.dnf_conf, "--installroot", root, "--releasever", "1", "-y",
                "-q", "--nogpgcheck", "--setopt=install_weak_deps=False",
                "--setopt=cachedir=/var/cache/dnf", "--setopt=reposdir=" + self.reposdir]

    def describe(self):
        return self._describe

    # --- per-tool set-up (untimed) and the timed install ---
    def copy_base(self, tool, dest):
        """The cached base repository, copied onto the scratch filesystem (populating a sysroot
        hardlinks from it, which needs one filesystem)."""
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        run(["cp", "-a", self.base[tool.name], dest])

    def setup(self, tool, sysroot, base_repo):
        tool.sysroot_init(sysroot)
        tool.populate(sysroot, base_repo, [BASE_REF])
        run(tool.deploy(sysroot, BASE_REF)[0])
        dirs = tool.deployment_dirs(sysroot)
        if len(dirs) != 1:
            raise RuntimeError(f"{tool.name}: expected one deployment, found {dirs}")
        repos = os.path.join(dirs[0], "etc/yum.repos.d")
        os.makedirs(repos, exist_ok=True)
        with open(os.path.join(repos, "bench.repo"), "w") as f:
            f.write(self.rpms.repo_file(self.bulk))

    def install(self, tool, sysroot, packages):
        if tool.name == "ours":
            return timed([[self.deployctl, "--sysroot", sysroot, "install"] + packages])
        repo = os.path.join(sysroot, "ostree/repo")
        root = os.path.join(repo, "tmp", "bench-layer-root")
        prep = ("set -e; cd \"$1\"; "
                # sqlite updates rpmdb.sqlite in place: it must not be a hardlink into the repo.
                "cp -a usr/lib/sysimage/rpm usr/lib/sysimage/rpm.w; rm -rf usr/lib/sysimage/rpm; "
                "mv usr/lib/sysimage/rpm.w usr/lib/sysimage/rpm; mv usr/etc etc; "
                "mkdir -p var/cache; ln -s \"$2\" var/cache/dnf")
        post = ("set -e; cd \"$1\"; rm -rf var/cache/dnf var/lib/dnf var/log/dnf*.log "
                "var/log/hawkey.log; mv etc usr/etc")
        return timed([
            ["ostree", "checkout", "--repo", repo, BASE_REF, root],
            ["sh", "-c", prep, "prep", root, self.dnf_cache],
            self._dnf(root) + ["install"] + packages,
            ["sh", "-c", post, "post", root],
            ["ostree", "commit", "--repo", repo, "--branch", "layered",
             "--link-checkout-speedup", root],
            ["ostree", "admin", "deploy", "--sysroot", sysroot, "--os", OS_NAME, "layered"],
            ["rm", "-rf", root],
        ], env=self._env())
