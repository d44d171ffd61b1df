"""bench/run: deployctl vs ostree, side by side, interleaved, written to bench/RESULTS.md."""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import measure
import report
import scenarios
from datasets import Dataset
import layering
from layering import LayerSet
from tools import Ostree, Ours

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = ["ostree", "debootstrap", "rpm", "createrepo-c", "dnf", "dbus-daemon",
            "busybox-static"]
QUICK_SETS = ["gen-1k", "gen-10k", "layer-tiny"]
FULL_SETS = ["debian", "gen-1k", "gen-10k", "gen-100k", "usr", "layer-debian"]
ALL_SETS = FULL_SETS + ["layer-tiny"]
LARGE_SETS = ("usr", "gen-100k")
# Layering rows per set: (operation key, packages). --quick layers one package on a tiny base.
LAYER_OPS = {"layer-debian": [("install-1", layering.ONE), ("install-6", layering.SIX)],
             "layer-tiny": [("install-1", layering.ONE)]}


def parse_args():
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="small data sets only (generated 1k/10k, layering on a tiny base), "
                        "3 runs")
    p.add_argument("--runs", type=int, help="counted runs per operation (default 5, quick 3)")
    p.add_argument("--warmup", type=int, help="warm-up runs, not counted (default 1)")
    p.add_argument("--runs-large", type=int,
                   help="counted runs for the large sets (usr, gen-100k); default --runs")
    p.add_argument("--only", help="comma-separated data sets: " + ",".join(ALL_SETS))
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    p.add_argument("--deployctl", help="binary to measure (default BUILD_DIR/bin/deployctl, "
                                       "built if missing)")
    p.add_argument("--data-dir", help="cache of data sets (default BUILD_DIR/bench-data)")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"),
                   help="Markdown file to write (default bench/RESULTS.md)")
    p.add_argument("--no-install", action="store_true", help="do not apt-get install")
    p.add_argument("--scratch", choices=["loop-ext4", "data-dir"], default="loop-ext4",
                   help="where repositories and sysroots are created: on a fresh journaled ext4 "
                        "loop mount per data set (default: isolated from other work on the "
                        "machine's filesystem, thrown away at once afterwards; falls back to "
                        "data-dir if it cannot be mounted), or in the data directory")
    p.add_argument("--scratch-size", default="60G", help="size of the loop image (sparse)")
    return p.parse_args()


def ensure_packages(no_install):
    missing = []
    for pkg in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True,
                           text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    if missing and not no_install:
        print(f"installing {' '.join(missing)} ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(["apt-get", "install", "-y"] + missing, env=env,
                           stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y"] + missing, env=env,
                           stdout=subprocess.DEVNULL)
    for exe in ("ostree",):
        if not shutil.which(exe):
            sys.exit(f"bench/run: {exe} is required (apt-get install {exe})")


def ensure_deployctl(args):
    """deployctl under test, and deployd beside it (the 'status through the daemon' row)."""
    path = args.deployctl or os.path.join(args.build_dir, "bin", "deployctl")
    deployd = os.path.join(os.path.dirname(path), "deployd")
    if not (os.path.exists(path) and os.path.exists(deployd)) and not args.deployctl:
        print(f"building deployctl and deployd in {args.build_dir} ...", flush=True)
        if not os.path.exists(os.path.join(args.build_dir, "build.ninja")):
            subprocess.run(["cmake", "-S", ROOT, "-B", args.build_dir, "-G", "Ninja"], check=True)
        subprocess.run(["cmake", "--build", args.build_dir, "--target", "deployctl", "deployd"],
                       check=True)
    for exe in (path, deployd):
        if not os.access(exe, os.X_OK):
            sys.exit(f"bench/run: no {os.path.basename(exe)} at {exe}")
    return os.path.abspath(path)


def mount_scratch(data_dir, size):
    """A fresh journaled ext4 on a sparse loop image: every data set starts from the same empty
    filesystem, whatever the rest of the machine is deleting, and syncfs() there flushes only
    the benchmark's own writes. Returns the mount point, or None if it cannot be mounted."""
    image = os.path.join(data_dir, "scratch.img")
    mnt = os.path.join(data_dir, "scratch")
    os.makedirs(mnt, exist_ok=True)
    unmount_scratch(data_dir)
    try:
        subprocess.run(["truncate", "-s", size, image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True)
        subprocess.run(["mount", "-o", "loop", image, mnt], check=True)
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"bench: cannot mount a loop ext4 ({e}); using the data directory", flush=True)
        if os.path.exists(image):
            os.unlink(image)
        return None
    return mnt


def unmount_scratch(data_dir):
    """Throws the scratch filesystem away: one unmount and one unlink instead of deleting
    hundreds of thousands of files."""
    mnt = os.path.join(data_dir, "scratch")
    if os.path.ismount(mnt):
        subprocess.run(["umount", mnt], check=True)
    image = os.path.join(data_dir, "scratch.img")
    if os.path.exists(image):
        os.unlink(image)


def header(deployctl, data_dir):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    rev = out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = " (+ uncommitted changes)" if out(["git", "-C", ROOT, "status", "--porcelain",
                                                "--untracked-files=no"]) else ""
    ostree_v = out(["ostree", "--version"]).splitlines()
    ostree_v = ostree_v[1].split(":")[-1].strip().strip("'") if len(ostree_v) > 1 else "?"
    dnf_v = out(["dnf", "--version"]).splitlines()
    dnf_v = dnf_v[0] if dnf_v else "?"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    fstype = out(["stat", "-f", "-c", "%T", data_dir])
    return [f"- Machine: {os.cpu_count()} CPUs, {mem:.0f} GiB RAM, Linux {platform.release()}, "
            f"data set trees on {fstype} (the machine's root filesystem; ext4 without a journal "
            f"reports itself as ext2/ext3); load average {os.getloadavg()[0]:.1f} when this file "
            f"was written (each table gives the load during its own run).",
            f"- deployctl: {deployctl} at commit {rev}{dirty}; ostree {ostree_v}, dnf {dnf_v}, "
            f"rpm {rpm_version()} (Debian 12 packages)."]


def rpm_version():
    try:
        return subprocess.run(["rpm", "--version"], capture_output=True,
                              text=True).stdout.split()[-1]
    except (OSError, IndexError):
        return "?"


def make_set(name, data_dir, deployctl):
    if name.startswith("layer-"):
        return LayerSet(name, data_dir, deployctl, LAYER_OPS[name])
    return Dataset(name, data_dir)


def run_dataset(ds, tools, args, runs, warmup, store_dir, data_dir):
    ds.prepare()
    work = os.path.join(data_dir, "work")
    scenarios.really_remove(work)  # leftovers of an interrupted run
    scratch = "data-dir"
    if args.scratch == "loop-ext4":
        mnt = mount_scratch(data_dir, args.scratch_size)
        if mnt:
            work, scratch = os.path.join(mnt, "work"), "loop-ext4"
    big = ds.name in ("usr",)
    # Old state is parked in a trash directory and deleted at the end of the data set (see
    # scenarios.TRASH); on a loop mount the whole filesystem is thrown away instead. The usr set
    # is too large to keep several copies: deleted at once.
    scenarios.TRASH = None if big else os.path.join(work, "trash")
    layer = isinstance(ds, LayerSet)
    print(f"== {ds.name}: {'copying' if layer else 'building'} the base repositories ...",
          flush=True)
    base = {}
    for tool in tools:
        base[tool.name] = os.path.join(work, tool.name, "base-repo")
        if layer:
            ds.copy_base(tool, base[tool.name])
        else:
            scenarios.make_base_repo(tool, ds, base[tool.name])
    samples = {}
    disk = {}
    errors = []
    loads = []
    t_start = time.time()
    for i in range(warmup + runs):
        counted = i >= warmup
        for tool in tools:
            def record(op, sample, tool=tool):
                if counted:
                    samples.setdefault(op, {}).setdefault(tool.name, []).append(sample)

            def disk_rec(n, kib, base_kib, count, tool=tool):
                disk.setdefault(tool.name, {})[str(n)] = {"kib": kib, "base": base_kib,
                                                          "count": count}
            if layer:
                steps = (("layer", lambda: scenarios.layer(tool, ds, base[tool.name], work,
                                                           record)),)
            else:
                steps = (("store", lambda: scenarios.store(tool, ds, work, record)),
                         ("sysroot", lambda: scenarios.sysroot(tool, base[tool.name], work,
                                                               record, disk_rec)),
                         ("pull", lambda: scenarios.pull(tool, base[tool.name], work, record)))
            for name, fn in steps:
                try:
                    fn()
                except (measure.CommandFailed, RuntimeError, OSError) as e:
                    msg = f"{tool.name} {name}: {e}"
                    if msg not in errors:
                        errors.append(msg)
                    print(f"   ERROR {msg}", flush=True)
                if scratch == "loop-ext4" and big:
                    # Give the blocks of deleted repositories back to the machine's disk: ext4
                    # does not reuse freed blocks first, and the sparse image would otherwise
                    # grow towards its full size with GBs per step (untimed).
                    measure.run(["fstrim", os.path.dirname(work)], check=False)
        loads.append(os.getloadavg()[0])
        print(f"   run {i + 1}/{warmup + runs}{'' if counted else ' (warm-up)'} done, "
              f"{time.time() - t_start:.0f} s, load {loads[-1]:.1f}", flush=True)
    result = {"describe": ds.describe(), "runs": runs, "warmup": warmup, "samples": samples,
              "disk": disk, "errors": errors, "quick": args.quick, "scratch": scratch,
              "load": f"{min(loads):.1f}–{max(loads):.1f}" if loads else None,
              "seconds": round(time.time() - t_start),
              "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")}
    with open(os.path.join(store_dir, ds.name + ".json"), "w") as f:
        json.dump(result, f, indent=1)
    if scratch == "loop-ext4":
        unmount_scratch(data_dir)
    else:
        for tool in tools:
            for sub in ("sysroot", "pull", "store", "layer", "base-repo"):
                scenarios.really_remove(os.path.join(work, tool.name, sub))
        scenarios.empty_trash()
    return errors


def main():
    args = parse_args()
    t0 = time.time()
    runs = args.runs if args.runs is not None else (3 if args.quick else 5)
    # The base repositories are built from the same trees just before, so caches are warm
    # already; --quick skips the extra warm-up run.
    warmup = args.warmup if args.warmup is not None else (0 if args.quick or runs == 1 else 1)
    data_dir = os.path.abspath(args.data_dir or os.path.join(args.build_dir, "bench-data"))
    os.makedirs(data_dir, exist_ok=True)
    ensure_packages(args.no_install)
    deployctl = ensure_deployctl(args)
    results = os.path.abspath(args.results)
    default_results = results == os.path.join(ROOT, "bench", "RESULTS.md")
    store_dir = os.path.join(data_dir, "results") if default_results else results + ".d"
    os.makedirs(store_dir, exist_ok=True)
    measure.LOG = open(os.path.join(data_dir, "bench.log"), "w")
    sets = args.only.split(",") if args.only else (QUICK_SETS if args.quick else FULL_SETS)
    for name in sets:
        if name not in ALL_SETS:
            sys.exit(f"bench/run: unknown data set {name} (known: {', '.join(ALL_SETS)})")
    tools = [Ours(deployctl), Ostree()]
    print(f"bench: {', '.join(sets)}; {runs} counted run(s) + {warmup} warm-up; "
          f"log {measure.LOG.name}", flush=True)
    failed = []
    try:
        for name in sets:
            n = args.runs_large if name in LARGE_SETS and args.runs_large else runs
            failed += run_dataset(make_set(name, data_dir, deployctl), tools, args, n, warmup,
                                  store_dir, data_dir)
            report.write(results, store_dir, header(deployctl, data_dir))
            print(f"   wrote {results}", flush=True)
    finally:
        unmount_scratch(data_dir)
    print(f"bench: done in {time.time() - t0:.0f} s", flush=True)
    if failed:
        print("bench: some operations failed:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
