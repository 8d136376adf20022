"""What the benchmark scripts share: the console script they time, one measured run of
it, and the load average printed beside every table (figures from a busy machine say so).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# The console script installed beside the Python that runs the benchmark.
BSEVENTS = shutil.which("bsevents", path=str(Path(sys.executable).parent)) or "bsevents"


def measure(
    argv: list[str], ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None
) -> tuple[float, float, int]:
    """Wall and CPU seconds and peak RSS in KiB of one run, its output read and thrown
    away as a pipe would; an exit code not in `ok` stops the benchmark."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    while process.stdout.read(1 << 20):
        pass
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{argv} failed with exit code {code}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, or `unknown`."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"
