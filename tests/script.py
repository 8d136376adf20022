"""Where the installed `bsevents` console script is, for tests that run it for real."""

from __future__ import annotations

import shutil
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
