"""Messages for people, on stderr: errors, warnings and notes.

Kept free of rich so that paths which only print data (JSON to a pipe) never import it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from bsevents.sanitize import clean


@dataclass
class _State:
    quiet: bool = False  # silences notes and warnings, never errors
    debug: bool = False
    color: bool | None = None  # --color always (True) or never (False); None: decide
    # A spinner's line is on screen: erased before anything else is written to stderr.
    spinning: bool = False


state = _State()


def debug_enabled() -> bool:
    """True with --debug or BSEVENTS_DEBUG set to a non-empty value other than 0."""
    return state.debug or os.environ.get("BSEVENTS_DEBUG", "") not in ("", "0")


def _colour(code: str, text: str) -> str:
    stream = sys.stderr
    if state.color is False or (
        state.color is None
        and (os.environ.get("NO_COLOR") or not getattr(stream, "isatty", lambda: False)())
    ):
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def _write(line: str) -> None:
    if state.spinning:
        sys.stderr.write(_ERASE)
        state.spinning = False
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


_ERASE = "\r\x1b[K"


def error(message: str, hint: str | None = None) -> None:
    """One error line, and a hint saying what to do next: one line, or several (a list
    of candidates), each cleaned on its own."""
    _write(f"{_colour('1;31', 'error:')} {clean(message)}")
    for line in hint.split("\n") if hint else ():
        _write(f"  {clean(line)}")


def warn(message: str) -> None:
    if not state.quiet:
        _write(f"{_colour('33', 'warning:')} {clean(message)}")


def say(message: str) -> None:
    """A note that must not be overlooked: plain, not dimmed (silenced by --quiet)."""
    if not state.quiet:
        _write(clean(message))


def note(message: str) -> None:
    if not state.quiet:
        _write(_colour("2", clean(message)))


def debug(message: str) -> None:
    if debug_enabled():
        _write(_colour("2", f"debug: {clean(message)}"))


class Spinner:
    """`⠋ receiving 1.2 MB` on stderr while a large answer arrives: on a terminal only,
    never with --quiet, updated at most ten times a second, erased when done."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = not state.quiet and getattr(sys.stderr, "isatty", lambda: False)()
        self._last = 0.0
        self._frame = 0

    def __enter__(self) -> Spinner:
        return self

    def __exit__(self, *exc: object) -> None:
        if state.spinning:
            sys.stderr.write(_ERASE)
            sys.stderr.flush()
            state.spinning = False

    def __call__(self, received: int) -> None:
        import time

        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        self._frame = (self._frame + 1) % len(self.FRAMES)
        size = f"{received / 1e6:.1f} MB" if received >= 1e5 else f"{received // 1000} kB"
        sys.stderr.write(f"\r{self.FRAMES[self._frame]} {self.label} {size}\x1b[K")
        sys.stderr.flush()
        state.spinning = True
