"""The two tools under test, behind one interface: each method returns argv lists (timed by the
caller) or does untimed setup itself."""
import contextlib
import glob
import json
import os
import shutil

from daemon import PrivateDaemon
from measure import run

OS_NAME = "benchos"


class Ours:
    name = "ours"
    label = "deployctl"

    def __init__(self, deployctl, deployd=None):
        self.dc = deployctl
        self.deployd = deployd or os.path.join(os.path.dirname(deployctl), "deployd")

    # --- the store ---
    def repo_init(self, repo):
        run([self.dc, "repo", "init", "--repo", repo])

    def commit(self, repo, ref, tree, from_checkout=False):
        # Reuse of checkout hardlinks is automatic: no flag needed.
        return [[self.dc, "repo", "commit", "--repo", repo, "--branch", ref, tree]]

    def checkout(self, repo, ref, dest):
        return [[self.dc, "repo", "checkout", "--repo", repo, ref, dest]]

    def fsck(self, repo):
        return [[self.dc, "repo", "fsck", "--repo", repo]]

    # --- a sysroot ---
    def sysroot_init(self, sysroot):
        run([self.dc, "--sysroot", sysroot, "init", "--os", OS_NAME])

    def populate(self, sysroot, base_repo, refs):
        """Gives the sysroot's store the refs of base_repo, objects hardlinked (what a file://
        pull on one filesystem does; deployctl has no pull-only command)."""
        dst = os.path.join(sysroot, "repo")
        run(["cp", "-al", os.path.join(base_repo, "objects", "."), os.path.join(dst, "objects")])
        os.makedirs(os.path.join(dst, "refs/heads"), exist_ok=True)
        for ref in refs:
            shutil.copy(os.path.join(base_repo, "refs/heads", ref),
                        os.path.join(dst, "refs/heads", ref))

    def deploy(self, sysroot, ref):
        return [[self.dc, "--sysroot", sysroot, "rebase", ref]]

    def status(self, sysroot, service=None):
        if service:
            return [[self.dc, "--bus-address", service.address, "status"]]
        return [[self.dc, "--sysroot", sysroot, "status"]]

    def status_service(self, sysroot):
        """deployd on a private bus, serving the sysroot (started and stopped untimed)."""
        return PrivateDaemon(self.deployd, sysroot)

    def rollback(self, sysroot):
        return [[self.dc, "--sysroot", sysroot, "rollback"]]

    def cleanup(self, sysroot):
        return [[self.dc, "--sysroot", sysroot, "cleanup"]]

    def remote_add(self, sysroot, name, repo):
        run([self.dc, "--sysroot", sysroot, "remote", "add", name, "file://" + repo])

    def pull_deploy(self, sysroot, remote, ref):
        return [[self.dc, "--sysroot", sysroot, "rebase", f"{remote}:{ref}"]]

    def deployment_dirs(self, sysroot):
        return sorted(d for d in glob.glob(os.path.join(sysroot, "deploy", OS_NAME, "*.*"))
                      if os.path.isdir(d))

    def deployment_count(self, sysroot):
        out = run([self.dc, "--sysroot", sysroot, "--json", "status"], stdout=True)
        return len(json.loads(out)["deployments"])


class Ostree:
    name = "ostree"
    label = "ostree"

    # --- the store ---
    def repo_init(self, repo):
        # bare: what a sysroot's repo is, and what our store is (checkouts are hardlinks).
        run(["ostree", "init", "--repo", repo, "--mode=bare"])

    def commit(self, repo, ref, tree, from_checkout=False):
        cmd = ["ostree", "commit", "--repo", repo, "--branch", ref]
        if from_checkout:
            cmd.append("--link-checkout-speedup")
        return [cmd + [tree]]

    def checkout(self, repo, ref, dest):
        return [["ostree", "checkout", "--repo", repo, ref, dest]]

    def fsck(self, repo):
        return [["ostree", "fsck", "--repo", repo]]

    # --- a sysroot ---
    def _repo(self, sysroot):
        return os.path.join(sysroot, "ostree/repo")

    def sysroot_init(self, sysroot):
        os.makedirs(sysroot, exist_ok=True)
        run(["ostree", "admin", "init-fs", sysroot])
        run(["ostree", "admin", "os-init", "--sysroot", sysroot, OS_NAME])
        # No bootloader to update here; ostree still writes its BLS entries.
        run(["ostree", "config", "--repo", self._repo(sysroot), "set", "sysroot.bootloader",
             "none"])

    def populate(self, sysroot, base_repo, refs):
        run(["ostree", "pull-local", "--repo", self._repo(sysroot), base_repo] + list(refs))

    def deploy(self, sysroot, ref):
        return [["ostree", "admin", "deploy", "--sysroot", sysroot, "--os", OS_NAME, ref]]

    def status(self, sysroot, service=None):
        return [["ostree", "admin", "status", "--sysroot", sysroot]]

    def status_service(self, sysroot):
        # ostree has no daemon (rpm-ostree's is not in Debian): its status is the CLI again.
        return contextlib.nullcontext()

    def rollback(self, sysroot):
        # ostree 2022.7 has no rollback/set-default: dropping the default (undeploy 0) is the
        # closest CLI equivalent (it also deletes that deployment and prunes).
        return [["ostree", "admin", "undeploy", "--sysroot", sysroot, "0"]]

    def cleanup(self, sysroot):
        return [["ostree", "admin", "cleanup", "--sysroot", sysroot]]

    def remote_add(self, sysroot, name, repo):
        run(["ostree", "remote", "add", "--repo", self._repo(sysroot), "--no-gpg-verify", name,
             "file://" + repo])

    def pull_deploy(self, sysroot, remote, ref):
        return [["ostree", "pull", "--repo", self._repo(sysroot), remote, ref],
                ["ostree", "admin", "deploy", "--sysroot", sysroot, "--os", OS_NAME,
                 f"{remote}:{ref}"]]

    def deployment_dirs(self, sysroot):
        return sorted(d for d in glob.glob(os.path.join(sysroot, "ostree/deploy", OS_NAME,
                                                         "deploy", "*.*"))
                      if os.path.isdir(d))

    def deployment_count(self, sysroot):
        return len(self.deployment_dirs(sysroot))
