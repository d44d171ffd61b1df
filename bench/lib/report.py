"""bench/RESULTS.md from the stored per-data-set results. Everything below the analysis marker in
an existing RESULTS.md is kept: that part is written by people (profiles, causes, fixes)."""
import json
import os
import statistics

from layering import TITLES as LAYER_TITLES
from scenarios import OPERATIONS, TARGETS

MARKER = "<!-- analysis: everything below is kept when the tables are regenerated -->"
ORDER = ["debian", "gen-1k", "gen-10k", "gen-100k", "usr", "layer-debian", "layer-tiny"]
TITLES = {
    "debian": "debootstrap --variant=minbase bookworm (the real OS tree; targets apply here)",
    "gen-1k": "generated, 1k files", "gen-10k": "generated, 10k files",
    "gen-100k": "generated, 100k files", "usr": "this machine's /usr (+ /etc as usr/etc)",
    **LAYER_TITLES,
}
# Above this ratio of 100k-file cost to 10k-file cost an operation is flagged as superlinear
# (10 is linear; the margin is for noise on a shared machine).
SCALING_FLAG = 12


def _secs(x):
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def _cell(s):
    if not s:
        return "–"
    return f"{_secs(s['median'])} ({_secs(s['min'])}–{_secs(s['max'])})"


def _cpu(so, st):
    if not so or not st or so.get("cpu") is None or st.get("cpu") is None:
        return "–"
    return f"{_secs(so['cpu'])} / {_secs(st['cpu'])}"


def _rss(s):
    if not s:
        return "–"
    if s.get("rss2"):
        return f"{_mib(s['rss'])} + deployd {_mib(s['rss2'])}"
    return _mib(s["rss"])


def _mib(kib):
    return f"{kib / 1024:.0f} MiB" if kib >= 10240 else f"{kib / 1024:.1f} MiB"


def summarize(samples):
    if not samples:
        return None
    t = [x[0] for x in samples]
    cpu = [x[2] for x in samples if len(x) > 2]
    return {"median": statistics.median(t), "min": min(t), "max": max(t),
            "rss": max(x[1] for x in samples), "n": len(t),
            "rss2": max((x[3] for x in samples if len(x) > 3), default=0),
            "cpu": statistics.median(cpu) if cpu else None}


def ratio(ours, theirs):
    r = [a[0] / b[0] for a, b in zip(ours, theirs) if b[0] > 0]
    return statistics.median(r) if r else None


def dataset_table(name, res):
    out = [f"### {name}: {TITLES.get(name, name)}", ""]
    d = res["describe"]
    layer = name.startswith("layer-")
    them = "dnf + ostree" if layer else "ostree"
    what = (f"Base: {d.get('packages', '?')} packages composed by `deployctl compose` in "
            f"{_secs(d['compose_s'])} (untimed, once), " if layer and "compose_s" in d else "")
    load = f"; load average {res['load']}" if res.get("load") else ""
    runs_note = ""
    if res.get("runs", 0) < 5 and not res.get("quick") and res.get("runs", 0) > 1:
        runs_note = (f" **Fewer than the 5 runs the method asks for** (a full run of this set "
                     f"takes long; see the analysis).")
    out.append(f"{what}{d['files']} files, {d['symlinks']} symlinks, {d['dirs']} directories, "
               f"{d['bytes'] / 1e6:.0f} MB of file content. {res['runs']} counted run(s) per "
               f"operation after {res['warmup']} warm-up, measured {res['date']}"
               f"{' (--quick)' if res.get('quick') else ''}; repositories and sysroots on "
               f"{'a fresh journaled ext4 loop mount' if res.get('scratch') == 'loop-ext4' else 'the data directory filesystem'}"
               f"{load}.{runs_note}")
    out.append("")
    out.append(f"| operation | ours: median (min–max) | {them}: median (min–max) | ratio "
               f"ours/{them} | target | peak RSS ours | peak RSS {them} | CPU ours / {them} |")
    out.append("|---|---|---|---|---|---|---|---|")
    for key, label in OPERATIONS:
        ours = res["samples"].get(key, {}).get("ours", [])
        theirs = res["samples"].get(key, {}).get("ostree", [])
        if not ours and not theirs:
            continue
        so, st, r = summarize(ours), summarize(theirs), ratio(ours, theirs)
        target = TARGETS.get(key) if name == "debian" else None
        tcell = "" if target is None else (f"≤ {target} " + ("✅" if r is not None and r <= target
                                                             else "❌"))
        out.append(f"| {label} | {_cell(so)} | {_cell(st)} | "
                   f"{'–' if r is None else f'{r:.2f}'} | {tcell} | "
                   f"{_rss(so)} | {_rss(st)} | "
                   f"{_cpu(so, st)} |")
    for e in res.get("errors", []):
        out.append(f"- **failed**: {e}")
    disk = res.get("disk")
    if disk:
        out += ["", "Disk used by the sysroot (du, hardlinks counted once; the store already holds "
                "v1–v3, \"+\" is what the deployments add on top of it):", "",
                "| after | ours | ostree | deployments kept (ours / ostree) |", "|---|---|---|---|"]
        for n in ("1", "2", "3"):
            o, t = disk.get("ours", {}).get(n), disk.get("ostree", {}).get(n)
            if not o or not t:
                continue
            out.append(f"| {n} deployment(s) | {_mib(o['kib'])} (+{_mib(o['kib'] - o['base'])}) | "
                       f"{_mib(t['kib'])} (+{_mib(t['kib'] - t['base'])}) | "
                       f"{o['count']} / {t['count']} |")
    out.append("")
    return out


def scaling(results):
    a, b = results.get("gen-10k"), results.get("gen-100k")
    if not a or not b:
        return []
    files = b["describe"]["files"] / a["describe"]["files"]
    out = ["### Scaling: generated 100k files vs 10k files", "",
           f"Median time at 100k files / median time at 10k files ({files:.1f}× the files; "
           f"linear is ~{files:.0f}×, ⚠ marks more than {SCALING_FLAG}×). CPU is user+system "
           "seconds, the steadier figure on a loaded machine. 10k measured "
           f"{a['date']}, 100k measured {b['date']}.", "",
           "| operation | ours: wall | ours: CPU | ostree: wall | ostree: CPU |",
           "|---|---|---|---|---|"]

    def cell(x, y, field):
        if not x or not y or x.get(field) is None or y.get(field) is None or not x[field]:
            return "–"
        r = y[field] / x[field]
        return f"{r:.1f}×" + (" ⚠" if r > SCALING_FLAG else "")
    for key, label in OPERATIONS:
        cells = []
        for tool in ("ours", "ostree"):
            x = summarize(a["samples"].get(key, {}).get(tool, []))
            y = summarize(b["samples"].get(key, {}).get(tool, []))
            cells += [cell(x, y, "median"), cell(x, y, "cpu")]
        if all(c == "–" for c in cells):
            continue
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out + [""]


def write(path, store_dir, header):
    results = {}
    for name in ORDER:
        p = os.path.join(store_dir, name + ".json")
        if os.path.exists(p):
            with open(p) as f:
                results[name] = json.load(f)
    kept = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
        if MARKER in text:
            kept = text.split(MARKER, 1)[1]
    lines = ["# Benchmark results: deployctl vs ostree", ""] + header + [""]
    lines.append("Generated by `bench/run` (method: bench/README.md). Times are wall clock, "
                 "`sync` before every timed command; ratio = median of the pairwise ratios of "
                 "interleaved runs; peak RSS = the largest of the runs (for a row made of two "
                 "commands, the larger of the two); CPU = median user+system seconds (less "
                 "sensitive than wall time to other load on the machine; excludes time spent "
                 "waiting for I/O and kernel writeback threads).")
    lines.append("")
    for name in ORDER:
        if name in results:
            lines += dataset_table(name, results[name])
    lines += scaling(results)
    lines.append(MARKER)
    with open(path, "w") as f:
        f.write("\n".join(lines) + (kept if kept else "\n"))
