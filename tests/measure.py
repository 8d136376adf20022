"""Peak memory of a bsevents run: the console script in a fresh process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.script import SCRIPT

_MEASURE = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))\n"
)


def run_measured(*args: str) -> tuple[int, str, str, float]:
    """Run the console script in a fresh process of its own and return (exit code, stdout,
    stderr, peak RSS in MB): RUSAGE_CHILDREN of that process sees this one child only."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=150,
    )
    code, out, err, peak_kb = json.loads(done.stdout)
    return code, out, err, peak_kb / 1024
