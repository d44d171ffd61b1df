"""deployd on a private bus, for the 'status through the daemon' row.

A dbus-daemon of our own (a session-type bus anyone may use: deployd's authorization lets uid 0
through) and deployd --sysroot S --bus-address ADDR on it, as bench/daemon_status.sh and the
daemon tests do. Started and stopped untimed around the timed client call.
"""
import os
import signal
import subprocess
import tempfile
import time

import measure
from measure import log


def _log_file():
    return measure.LOG or subprocess.DEVNULL

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""
NAME = "org.deployd.Deploy1"


class PrivateDaemon:
    """with PrivateDaemon(deployd, sysroot) as d: d.address, d.pid"""

    def __init__(self, deployd, sysroot):
        self.deployd = deployd
        self.sysroot = sysroot
        self.bus = None
        self.proc = None
        self.address = None
        self._dir = None

    def __enter__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="deployd-bench-bus.")
        conf = os.path.join(self._dir.name, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONF)
        cmdline = os.path.join(self._dir.name, "cmdline")
        open(cmdline, "w").close()
        # stderr to the log: in a container it complains that it cannot
        # raise its fd limit, which is harmless.
        self.bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                     "--print-address=1"], stdout=subprocess.PIPE,
                                    stderr=_log_file(), stdin=subprocess.DEVNULL, text=True)
        self.address = self.bus.stdout.readline().strip()
        if not self.address:
            self.__exit__(None, None, None)
            raise RuntimeError("dbus-daemon did not print its address")
        errlog = open(os.path.join(self._dir.name, "deployd.log"), "w")
        self.proc = subprocess.Popen([self.deployd, "--sysroot", self.sysroot, "--bus-address",
                                      self.address, "--cmdline-file", cmdline,
                                      "--idle-exit", "0"],
                                     stdin=subprocess.DEVNULL, stdout=errlog, stderr=errlog)
        errlog.close()
        deadline = time.monotonic() + 20
        while True:
            r = subprocess.run(["busctl", f"--address={self.address}", "status", NAME],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(self._dir.name, "deployd.log")) as f:
                    err = f.read()[-500:]
                self.__exit__(None, None, None)
                raise RuntimeError(f"deployd did not come up on the private bus: {err}")
            time.sleep(0.05)
        log(f"deployd pid {self.proc.pid} on {self.address}")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def peak_rss_kib(self):
        """VmHWM of the daemon: its peak resident set so far."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def __exit__(self, *exc):
        for p in (self.proc, self.bus):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.bus is not None and self.bus.stdout:
            self.bus.stdout.close()
        if self._dir is not None:
            self._dir.cleanup()
        return False
