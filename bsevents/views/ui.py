"""Messages for people, on stderr: errors, warnings and notes.

Terminal state (quiet, debug, colour, a spinner's line on screen) is a `Terminal` (the
CLI's `Reporter`, see `bsevents.model.report`) that
the root command creates for each run and hands down (as gh passes its IOStreams): in
the context's `obj`, and as the run's current terminal, which the functions here write
through. Only `bsevents/cli/` and `bsevents/views/` import this module: core code reports
through the callbacks the CLI passes it (`bsevents.model.report`).

Kept free of rich so that paths which only print data (JSON to a pipe) never import it.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TextIO

from bsevents.model.sanitize import clean

_ERASE = "\x1b[K"  # erase to the end of the line
_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass
class Terminal:
    """Where and how messages for people are written, for one run of a command."""

    quiet: bool = False  # silences notes and warnings, never errors
    debugging: bool = False
    color: bool | None = None  # --color always (True) or never (False); None: decide
    # A spinner's line is on screen: erased before anything else is written to stderr.
    spinning: bool = False
    stream: TextIO | None = None  # None: whatever sys.stderr is when writing
    _last_frame: float = field(default=0.0, repr=False)
    _frame: int = field(default=0, repr=False)
    _drawn: int = field(default=0, repr=False)  # cells of the spinner's line on screen

    @property
    def err(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def debug_enabled(self) -> bool:
        """True with --debug or BSEVENTS_DEBUG set to a non-empty value other than 0."""
        return self.debugging or os.environ.get("BSEVENTS_DEBUG", "") not in ("", "0")

    def is_tty(self) -> bool:
        return bool(getattr(self.err, "isatty", lambda: False)())

    def _plain(self) -> bool:
        """No escape sequence at all: --color never, NO_COLOR, or not a terminal."""
        return self.color is False or (
            self.color is None and (bool(os.environ.get("NO_COLOR")) or not self.is_tty())
        )

    def _colour(self, code: str, text: str) -> str:
        return text if self._plain() else f"\x1b[{code}m{text}\x1b[0m"

    def _redraw(self, line: str) -> str:
        """`line` over the spinner's line, cleared to its end: by an escape sequence, or,
        with colour off (--color never, NO_COLOR), by spaces over what was drawn."""
        drawn, self._drawn = self._drawn, len(line)
        if not self._plain():
            return f"\r{line}{_ERASE}"
        return f"\r{line.ljust(drawn)}" + ("" if line else "\r")

    def _write(self, line: str) -> None:
        self.erase_spinner()
        self.err.write(line + "\n")
        self.err.flush()

    def erase_spinner(self) -> None:
        if self.spinning:
            self.err.write(self._redraw(""))
            self.err.flush()
            self.spinning = False

    def error(self, message: str, hint: str | None = None) -> None:
        """One error line, and a hint saying what to do next: one line, or several (a
        list of candidates), each cleaned on its own."""
        self._write(f"{self._colour('1;31', 'error:')} {clean(message)}")
        for line in hint.split("\n") if hint else ():
            self._write(f"  {clean(line)}")

    def warn(self, message: str) -> None:
        if not self.quiet:
            self._write(f"{self._colour('33', 'warning:')} {clean(message)}")

    def say(self, message: str) -> None:
        """A note that must not be overlooked: plain, not dimmed (silenced by --quiet)."""
        if not self.quiet:
            self._write(clean(message))

    def note(self, message: str) -> None:
        if not self.quiet:
            self._write(self._colour("2", clean(message)))

    def debug(self, message: str) -> None:
        if self.debug_enabled():
            self._write(self._colour("2", f"debug: {clean(message)}"))

    def progress(self, received: int | None) -> None:
        """`⠋ receiving 1.2 MB` while a large answer arrives: on a terminal only, never
        with --quiet, redrawn at most ten times a second; erased when `received` is None
        (the answer is complete) or when anything else is written."""
        if received is None:
            self.erase_spinner()
            return
        if self.quiet or not self.is_tty():
            return
        import time

        now = time.monotonic()
        if now - self._last_frame < 0.1:
            return
        self._last_frame = now
        self._frame = (self._frame + 1) % len(_FRAMES)
        size = f"{received / 1e6:.1f} MB" if received >= 1e5 else f"{received // 1000} kB"
        self.err.write(self._redraw(f"{_FRAMES[self._frame]} receiving {size}"))
        self.err.flush()
        self.spinning = True


# The terminal of this run: set by the root command as it starts (a new one each run, so
# nothing carries over between runs in one process, as under a test runner).
_current: ContextVar[Terminal | None] = ContextVar("bsevents_terminal", default=None)


def start(run: Terminal) -> Terminal:
    """Make `run` the terminal that this run's messages go through."""
    _current.set(run)
    return run


def terminal() -> Terminal:
    """The terminal of the run; before one has started, a default that keeps no state."""
    current = _current.get()
    return current if current is not None else Terminal()


def debug_enabled() -> bool:
    return terminal().debug_enabled()


def error(message: str, hint: str | None = None) -> None:
    terminal().error(message, hint)


def warn(message: str) -> None:
    terminal().warn(message)


def say(message: str) -> None:
    terminal().say(message)


def note(message: str) -> None:
    terminal().note(message)


def debug(message: str) -> None:
    terminal().debug(message)
