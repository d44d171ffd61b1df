"""bench/RESULTS.md from the stored per-data-set results. Everything below the analysis marker in
an existing RESULTS.md is kept: that part is written by people (profiles, causes, fixes)."""
import json
import os
import statistics

from scenarios import OPERATIONS, TARGETS

MARKER = "<!-- analysis: everything below is kept when the tables are regenerated -->"
ORDER = ["debian", "gen-1k", "gen-10k", "gen-100k", "usr"]
TITLES = {
    "debian": "debootstrap --variant=minbase bookworm (the real OS tree; targets apply here)",
    "gen-1k": "generated, 1k files", "gen-10k": "generated, 10k files",
    "gen-100k": "generated, 100k files", "usr": "this machine's /usr (+ /etc as usr/etc)",
}


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


def _mib(kib):
    return f"{kib / 1024:.0f} MiB" if kib >= 10240 else f"{kib / 1024:.1f} MiB"


def summarize(samples):
    if not samples:
        return None
    t = [x[0] for x in samples]
    cpu = [x[2] for x in samples if len(x) > 2]
    return {"median": statistics.median(t), "min": min(t), "max": max(t),
            "rss": max(x[1] for x in samples), "n": len(t),
            "cpu": statistics.median(cpu) if cpu else None}


def ratio(ours, theirs):
    r = [a[0] / b[0] for a, b in zip(ours, theirs) if b[0] > 0]
    return statistics.median(r) if r else None


def dataset_table(name, res):
    out = [f"### {name}: {TITLES.get(name, name)}", ""]
    d = res["describe"]
    out.append(f"{d['files']} files, {d['symlinks']} symlinks, {d['dirs']} directories, "
               f"{d['bytes'] / 1e6:.0f} MB of file content. {res['runs']} counted run(s) per "
               f"operation after {res['warmup']} warm-up, measured {res['date']}"
               f"{' (--quick)' if res.get('quick') else ''}; repositories and sysroots on "
               f"{'a fresh journaled ext4 loop mount' if res.get('scratch') == 'loop-ext4' else 'the data directory filesystem'}.")
    out.append("")
    out.append("| operation | ours: median (min–max) | ostree: median (min–max) | ratio ours/ostree "
               "| target | peak RSS ours | peak RSS ostree | CPU ours / ostree |")
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
                   f"{_mib(so['rss']) if so else '–'} | {_mib(st['rss']) if st else '–'} | "
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
    out = ["### Scaling: generated 100k files vs 10k files (median time ratio; linear is ~10)", "",
           "| operation | ours 100k/10k | ostree 100k/10k |", "|---|---|---|"]
    for key, label in OPERATIONS:
        cells = []
        for tool in ("ours", "ostree"):
            x = summarize(a["samples"].get(key, {}).get(tool, []))
            y = summarize(b["samples"].get(key, {}).get(tool, []))
            cells.append(f"{y['median'] / x['median']:.1f}×" if x and y and x["median"] else "–")
        out.append(f"| {label} | {cells[0]} | {cells[1]} |")
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
