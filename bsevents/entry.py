"""The console script. Answers what it can without importing the CLI framework, which
costs tens of milliseconds, then hands over to the Typer app."""

from __future__ import annotations

import os
import sys

from bsevents import __version__

# Set by the completion scripts on every TAB (the name Typer derives from the program).
COMPLETE_VAR = "_BSEVENTS_COMPLETE"


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(f"bsevents {__version__}\n")
        return
    if os.environ.get(COMPLETE_VAR):
        _complete()
    from bsevents.cli.app import run

    run()


def _complete() -> None:
    """Answer a shell's TAB from the completion spec and local files, then exit; return
    only for requests the fast path leaves to Typer."""
    from bsevents.completion.fast import respond

    reply = respond()
    if reply is None:
        return
    text, status = reply
    stream = sys.stdout
    stream.buffer.write(text.encode(stream.encoding or "utf-8", "replace"))
    stream.flush()
    raise SystemExit(status)
