"""The console script. Answers what it can without importing the CLI framework, which
costs tens of milliseconds, then hands over to the Typer app."""

from __future__ import annotations

import sys

from bsevents import __version__


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(f"bsevents {__version__}\n")
        return
    from bsevents.cli.app import run

    run()
