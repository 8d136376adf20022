"""Where the installed `bsevents` console script is, for tests that run it for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def _find() -> Path:
    # Beside the interpreter in a virtual environment or pyenv; elsewhere (Debian's
    # python3 puts scripts in /usr/local/bin) wherever PATH finds it.
    beside = Path(sys.executable).with_name("bsevents")
    if beside.exists():
        return beside
    found = shutil.which("bsevents")
    return Path(found) if found else beside


SCRIPT = _find()


# Runs the console script's entry point as the script does, then writes `sys.modules` to
# the file named by the first argument (at exit, so a run that exits still reports).
_PROBE = """\
import atexit, sys
report = sys.argv.pop(1)
atexit.register(lambda: open(report, "w").write("\\n".join(sorted(sys.modules))))
sys.argv[0] = "bsevents"
from bsevents.entry import main
main()
"""


def run_and_list_imports(
    args: list[str], env: dict[str, str], report: Path, input: str | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `bsevents ARGS` in a fresh interpreter: (the finished process, every module in
    `sys.modules` when it ended). `report` is a scratch file for the list."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), *args],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return done, set(report.read_text().split("\n"))
