"""Running one command under measurement: wall time and peak RSS, after a sync."""
import os
import subprocess
import time


class CommandFailed(Exception):
    pass


RSS_FILE = "/tmp/deployd-bench-rss"
LOG = None  # file object that gets every command line and its stderr (set by the driver)


def log(msg):
    if LOG:
        LOG.write(msg + "\n")
        LOG.flush()


def run(cmd, check=True, env=None, stdout=None):
    """Runs cmd (argv list) untimed; returns its stdout as text when stdout is True."""
    log("$ " + " ".join(cmd))
    r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE if stdout else (LOG or subprocess.DEVNULL),
                       stderr=subprocess.PIPE, text=True)
    if r.stderr:
        log(r.stderr.rstrip())
    if check and r.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()[-500:]}")
    return r.stdout if stdout else r.returncode


def timed(cmds, env=None, ok_codes=(0,)):
    """Runs the argv lists in cmds one after another, each after a sync, and returns
    (wall seconds summed over the commands, peak RSS in KiB of the largest one, CPU seconds
    user + system summed)."""
    total = 0.0
    peak = 0
    cpu = 0.0
    for cmd in cmds:
        os.sync()
        log("# timed: " + " ".join(cmd))
        t0 = time.perf_counter()
        # Peak RSS through /usr/bin/time: a child forked from this Python process would report
        # Python's own RSS as its maximum (the high-water mark survives exec).
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", RSS_FILE] + cmd, env=env, stdin=subprocess.DEVNULL,
                             stdout=LOG or subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        del ru
        p.returncode = os.waitstatus_to_exitcode(status)
        p.stderr.close()
        log(f"# took {dt:.3f} s, exit {p.returncode}")
        if err:
            log(err.decode(errors="replace").rstrip())
        if p.returncode not in ok_codes:
            raise CommandFailed(f"{' '.join(cmd)}: exit {p.returncode}: "
                                f"{err.decode(errors='replace').strip()[-500:]}")
        total += dt
        with open(RSS_FILE) as f:
            rss, user, sys_ = f.read().split()[-3:]
        peak = max(peak, int(rss))
        cpu += float(user) + float(sys_)
    return total, peak, cpu


def du_kib(path):
    """Disk used under path in KiB, each hardlinked inode counted once (du's default)."""
    out = run(["du", "-s", "-k", path], stdout=True)
    return int(out.split()[0])
