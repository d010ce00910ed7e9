"""Varnish on a free loopback port in front of a server, with the VCL shipped in deploy/varnish/.

Used by ``benchmarks/edge.py`` and ``tests/test_varnish.py``. Needs Debian's ``varnish`` and
``varnish-modules`` (the xkey vmod): ``missing()`` says what is not there.
"""

import json
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:  # run from benchmarks/ (edge.py) or imported as benchmarks._varnish (tests)
    from _server import ROOT, free_port
except ImportError:
    from benchmarks._server import ROOT, free_port

VCL = ROOT / "deploy" / "varnish" / "default.vcl"
VMOD_DIRS = [Path("/usr/lib/x86_64-linux-gnu/varnish/vmods"), Path("/usr/lib/aarch64-linux-gnu/varnish/vmods")]


def missing() -> str | None:
    """Why Varnish cannot run here (with the apt-get line that fixes it), or None."""
    if not shutil.which("varnishd", path="/usr/sbin:/usr/bin:/sbin:/bin"):
        return "varnishd not found (apt-get install varnish varnish-modules)"
    if not any((directory / "libvmod_xkey.so").exists() for directory in VMOD_DIRS):
        return "the xkey vmod is not installed (apt-get install varnish-modules)"
    return None


@dataclass
class Varnish:
    url: str
    workdir: Path

    def counters(self) -> dict:
        """varnishd's cache hit and miss counters, once they have settled (workers publish them in batches)."""
        previous = None
        for _ in range(50):
            current = self._read_counters()
            if current == previous:
                return current
            previous = current
            time.sleep(0.2)
        return previous

    def _read_counters(self) -> dict:
        output = subprocess.run(
            ["varnishstat", "-n", str(self.workdir), "-1", "-j", "-f", "MAIN.cache_hit", "-f", "MAIN.cache_miss"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        found = json.loads(output)
        found = found.get("counters", found)  # varnishstat's JSON has them under "counters" since 6.5
        return {name.split(".")[-1]: found[name]["value"] for name in ("MAIN.cache_hit", "MAIN.cache_miss")}


@contextmanager
def varnish(backend_port: int, *, port: int | None = None, memory: str = "64m"):
    """Run varnishd on ``port`` (a free one by default) in front of 127.0.0.1:``backend_port``."""
    port = port or free_port()
    # varnishd reads the VCL and keeps its work directory as its own user: a directory it can read.
    with tempfile.TemporaryDirectory(prefix="editorial-varnish-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)
        vcl = tmp / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
        vcl.chmod(0o644)
        with (tmp / "varnishd.log").open("w") as log:
            process = subprocess.Popen(
                [shutil.which("varnishd", path="/usr/sbin:/usr/bin"), "-F", "-a", f"127.0.0.1:{port}",
                 "-f", str(vcl), "-n", str(tmp / "varnish"), "-s", f"malloc,{memory}"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                _wait_for_port(port, process, tmp / "varnishd.log")
                yield Varnish(url=f"http://127.0.0.1:{port}", workdir=tmp / "varnish")
            finally:
                process.terminate()
                process.wait(timeout=30)


def _wait_for_port(port: int, process, log: Path) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("varnishd stopped:\n" + log.read_text()) from None
            time.sleep(0.05)
    raise RuntimeError("varnishd did not start:\n" + log.read_text())
