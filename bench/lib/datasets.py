"""The data sets, prepared once and cached under the data directory.

Each data set is three trees, v1, v2 and v3: v1 is the base; v2 and v3 are updates that change
about 1% of the regular files (at least 5), the os-release version and one /etc default. Updates
share unchanged files with the previous version by hardlink (changed files are replaced by rename,
never written in place), so preparing them costs little disk.
"""
import os
import random
import shutil
import stat

from measure import log, run

KVER = "6.1.0"
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"


def _write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def _kernel(root, size, seed):
    rng = random.Random(seed)
    _write(os.path.join(root, "usr/lib/modules", KVER, "vmlinuz"), rng.randbytes(size))


def _size(rng):
    # Mostly small files with a tail, like an OS tree: mean about 7 KiB.
    x = rng.random()
    if x < 0.5:
        return rng.randrange(0, 1024)
    if x < 0.9:
        return rng.randrange(1024, 16384)
    return rng.randrange(16384, 65536)


def generate_tree(root, nfiles, seed=1):
    rng = random.Random(seed)
    per_dir = 100
    for i in range(nfiles):
        d = os.path.join(root, "usr/share/gen", f"d{i // (per_dir * per_dir):03d}",
                         f"d{(i // per_dir) % per_dir:03d}")
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        name = os.path.join(d, f"f{i:06d}")
        if i % 97 == 13:  # about 1% symlinks
            os.symlink(f"f{i - 1:06d}", name)
            continue
        _write(name, rng.randbytes(_size(rng)), 0o755 if i % 10 == 0 else 0o644)
    for i in range(30):
        _write(os.path.join(root, f"usr/etc/gen{i:02d}.conf"),
               f"# generated config {i}\nkey{i}=value{i}\n".encode())
    _write(os.path.join(root, "usr/etc/hostname"), b"bench\n")
    _write(os.path.join(root, "usr/lib/os-release"),
           b'NAME="bench"\nID=bench\nVERSION_ID="1"\n')
    os.makedirs(os.path.join(root, "var/lib"), exist_ok=True)
    _kernel(root, 1 << 20, seed)


def _debootstrap(data_dir):
    raw = os.path.join(data_dir, f"debootstrap-{SUITE}")
    if os.path.isdir(raw):
        return raw
    tmp = raw + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"  debootstrap --variant=minbase {SUITE} (needs network) ...", flush=True)
    run(["debootstrap", "--variant=minbase", SUITE, tmp, MIRROR])
    os.rename(tmp, raw)
    return raw


def _drop_special_files(root):
    # Device nodes, fifos and sockets cannot be committed; an image build drops them too.
    run(["find", root, "-xdev", "(", "-type", "b", "-o", "-type", "c", "-o", "-type", "p",
         "-o", "-type", "s", ")", "-delete"])


def debian_tree(root, data_dir):
    raw = _debootstrap(data_dir)
    run(["cp", "-a", raw, root])
    os.rename(os.path.join(root, "etc"), os.path.join(root, "usr/etc"))
    _drop_special_files(root)
    _kernel(root, 8 << 20, 2)


def usr_tree(root):
    """This machine's /usr, /etc as usr/etc, and a fake kernel at usr/lib/modules/KVER: a
    deployable tree of the size of a developer workstation's OS."""
    os.makedirs(root)
    print("  copying /usr and /etc (several GB, once) ...", flush=True)
    run(["cp", "-a", "--one-file-system", "/usr", os.path.join(root, "usr")])
    shutil.rmtree(os.path.join(root, "usr/etc"), ignore_errors=True)
    run(["cp", "-a", "--one-file-system", "/etc", os.path.join(root, "usr/etc")])
    shutil.rmtree(os.path.join(root, "usr/lib/modules"), ignore_errors=True)
    os.makedirs(os.path.join(root, "var/lib"))
    _drop_special_files(root)
    _kernel(root, 8 << 20, 3)


def regular_files(root, sub="usr"):
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, sub)):
        dirnames.sort()
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            if stat.S_ISREG(os.lstat(p).st_mode):
                out.append(p)
    return out


def replace_file(path, data):
    """Replaces path by a new inode (keeping mode and owner): the old inode may be a hardlink
    into a repository or another tree and must never be written."""
    st = os.lstat(path)
    tmp = path + ".bench-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, st.st_uid, st.st_gid)
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    os.rename(tmp, path)


def _append(path, text):
    with open(path, "rb") as f:
        data = f.read()
    replace_file(path, data + text.encode())


def make_update(prev, root, version):
    run(["cp", "-al", prev, root])
    rng = random.Random(version)
    files = [f for f in regular_files(root) if "/usr/etc/" not in f and "/modules/" not in f]
    k = min(len(files), max(5, len(files) // 100))
    for f in rng.sample(files, k):
        _append(f, f"\nbench update {version}\n")
    osr = os.path.join(root, "usr/lib/os-release")
    if os.path.exists(osr):
        _append(osr, f'BENCH_VERSION="{version}"\n')
    etc = sorted(f for f in regular_files(root, "usr/etc") if os.path.dirname(f).endswith("usr/etc"))
    if etc:
        _append(etc[-1], f"# default changed in {version}\n")  # a default the admin did not touch
    log(f"update {version}: {k} files changed")


def admin_etc_edits(etc_dir):
    """A few admin changes in a deployment's /etc: two files modified, one added, one deleted."""
    names = sorted(n for n in os.listdir(etc_dir)
                   if stat.S_ISREG(os.lstat(os.path.join(etc_dir, n)).st_mode))
    for n in names[:2]:
        _append(os.path.join(etc_dir, n), "# admin was here\n")
    if len(names) > 3:
        os.unlink(os.path.join(etc_dir, names[2]))
    with open(os.path.join(etc_dir, "bench-admin.conf"), "w") as f:
        f.write("added=by admin\n")


class Dataset:
    def __init__(self, name, data_dir):
        self.name = name
        self.dir = os.path.join(data_dir, "trees", name)
        self.data_dir = data_dir

    def version(self, v):
        return os.path.join(self.dir, f"v{v}")

    def prepare(self):
        done = os.path.join(self.dir, ".done")
        if os.path.exists(done):
            return
        print(f"  preparing data set {self.name} (once) ...", flush=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        v1 = self.version(1)
        if self.name.startswith("gen-"):
            n = int(self.name[4:].replace("k", "000"))
            os.makedirs(v1)
            generate_tree(v1, n)
        elif self.name == "debian":
            debian_tree(v1, self.data_dir)
        elif self.name == "usr":
            usr_tree(v1)
        else:
            raise ValueError(self.name)
        make_update(v1, self.version(2), "2")
        make_update(self.version(2), self.version(3), "3")
        with open(done, "w") as f:
            f.write("ok\n")

    def describe(self):
        files = dirs = links = 0
        size = 0
        for dirpath, dirnames, filenames in os.walk(self.version(1)):
            dirs += len(dirnames)
            for f in filenames:
                st = os.lstat(os.path.join(dirpath, f))
                if stat.S_ISLNK(st.st_mode):
                    links += 1
                else:
                    files += 1
                    size += st.st_size
        return {"files": files, "dirs": dirs, "symlinks": links, "bytes": size}


def one_file_of(tree):
    """The file changed for 'commit, one file changed': the os-release of the tree."""
    return os.path.join(tree, "usr/lib/os-release")
