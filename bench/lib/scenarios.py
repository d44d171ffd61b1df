"""The measured scenarios. Each runs one tool through a sequence of operations on fresh state;
the driver alternates the tools run by run (A B A B), so every timed operation is interleaved."""
import glob
import os
import shutil

from datasets import admin_etc_edits, one_file_of, replace_file
from measure import du_kib, run, timed

# Operation keys in table order, with their row labels.
OPERATIONS = [
    ("commit-first", "commit, first (empty repo)"),
    ("commit-identical", "commit, identical re-commit"),
    ("commit-one-changed", "commit, one file changed (from a checkout)"),
    ("checkout", "checkout (hardlinks)"),
    ("fsck", "fsck"),
    ("deploy-first", "deploy, first"),
    ("deploy-second", "deploy, second (/etc merge of 4 admin changes)"),
    ("deploy-third", "deploy, third"),
    ("status", "status (in-process)"),
    ("status-daemon", "status through the daemon (ostree: admin status)"),
    ("cleanup", "cleanup (after 3 deploys)"),
    ("rollback", "rollback"),
    ("pull-deploy", "pull from file:// remote + deploy"),
    ("install-1", "install 1 package (end to end)"),
    ("install-6", "install 6 packages (end to end)"),
]

# Targets on the real OS tree (issue 5): ratio ours/ostree at most this.
TARGETS = {"commit-first": 0.35, "commit-identical": 0.2, "deploy-first": 0.35,
           "deploy-second": 0.35, "fsck": 0.35, "status": 0.5}


# Where remove() parks state instead of deleting it, until the data set is done (None: delete).
# On ext4 without a journal, inode allocation skips inodes freed in the last ~30 s
# (recently_deleted() in ialloc.c), and a run that deletes the previous run's repositories right
# before creating new ones spends most of its time there (perf: ~60% of samples, for both tools).
TRASH = None
_trash_n = 0


def remove(path):
    """rm -rf that also gets through ostree's deployment roots (made immutable, chattr +i)."""
    global _trash_n
    if not os.path.lexists(path):
        return
    if TRASH is not None:
        os.makedirs(TRASH, exist_ok=True)
        _trash_n += 1
        os.rename(path, os.path.join(TRASH, str(_trash_n)))
        return
    really_remove(path)


def empty_trash():
    if TRASH is not None and os.path.isdir(TRASH):
        for name in os.listdir(TRASH):
            really_remove(os.path.join(TRASH, name))


def really_remove(path):
    if not os.path.lexists(path):
        return
    for depth in range(4):
        pattern = os.path.join(path, *(["*"] * depth), "ostree/deploy/*/deploy/*.*")
        for d in glob.glob(pattern):
            if os.path.isdir(d) and not os.path.islink(d):
                run(["chattr", "-i", d], check=False)
    run(["rm", "-rf", "--one-file-system", path])


def fresh(path):
    remove(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)


def store(tool, ds, work, record):
    """commit (first, identical, one changed from a checkout), checkout, fsck on one repo."""
    w = os.path.join(work, tool.name, "store")
    fresh(w)
    os.makedirs(w)
    repo = os.path.join(w, "repo")
    tool.repo_init(repo)
    record("commit-first", timed(tool.commit(repo, "bench", ds.version(1))))
    record("commit-identical", timed(tool.commit(repo, "bench", ds.version(1))))
    co = os.path.join(w, "checkout")
    record("checkout", timed(tool.checkout(repo, "bench", co)))
    target = one_file_of(co)
    with open(target, "rb") as f:
        data = f.read()
    replace_file(target, data + b"# one change\n")
    record("commit-one-changed", timed(tool.commit(repo, "bench", co, from_checkout=True)))
    record("fsck", timed(tool.fsck(repo)))
    remove(w)


def sysroot(tool, base_repo, work, record, disk):
    """deploy v1, /etc edits, deploy v2, status, deploy v3, cleanup, rollback."""
    s = os.path.join(work, tool.name, "sysroot")
    fresh(s)
    tool.sysroot_init(s)
    tool.populate(s, base_repo, ["v1", "v2", "v3"])
    base_kib = du_kib(s)
    record("deploy-first", timed(tool.deploy(s, "v1")))
    disk(1, du_kib(s), base_kib, tool.deployment_count(s))
    dirs = tool.deployment_dirs(s)
    if len(dirs) != 1:
        raise RuntimeError(f"{tool.name}: expected one deployment, found {dirs}")
    admin_etc_edits(os.path.join(dirs[0], "etc"))
    record("deploy-second", timed(tool.deploy(s, "v2")))
    disk(2, du_kib(s), base_kib, tool.deployment_count(s))
    record("status", timed(tool.status(s)))
    with tool.status_service(s) as service:
        if service:  # the daemon's first call (loading its state) is not what clients see
            run(tool.status(s, service)[0])
        t, rss, cpu = timed(tool.status(s, service))
        record("status-daemon", (t, rss, cpu, service.peak_rss_kib() if service else 0))
    record("deploy-third", timed(tool.deploy(s, "v3")))
    disk(3, du_kib(s), base_kib, tool.deployment_count(s))
    record("cleanup", timed(tool.cleanup(s)))
    record("rollback", timed(tool.rollback(s)))
    remove(s)


def pull(tool, base_repo, work, record):
    s = os.path.join(work, tool.name, "pull")
    fresh(s)
    tool.sysroot_init(s)
    tool.remote_add(s, "origin", base_repo)
    record("pull-deploy", timed(tool.pull_deploy(s, "origin", "v1")))
    remove(s)


def layer(tool, ls, base_repo, work, record):
    """Each layering row on a fresh sysroot with the composed base deployed."""
    for key, packages in ls.ops:
        s = os.path.join(work, tool.name, "layer")
        fresh(s)
        ls.setup(tool, s, base_repo)
        record(key, ls.install(tool, s, packages))
        remove(s)


def make_base_repo(tool, ds, path):
    """A repository with v1, v2, v3 of the data set (the remote / the source of sysroot stores)."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tool.repo_init(path)
    for v in (1, 2, 3):
        timed(tool.commit(path, f"v{v}", ds.version(v)))
