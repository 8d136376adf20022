"""Dotted paths into an event (`products.0.sku`), as `--fields` and `--where` name them:
parsing a list of them and reading the values.

Plain Python, no rich: the CSV view uses it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bsevents.errors import UsageProblem
from bsevents.model.events import Event
from bsevents.model.sanitize import shorten

_MISSING = object()
# An index has at most this many ASCII digits: room for any array (and for keys that are
# 64-bit ids), and far below the 4,300 digits past which int() refuses a number.
MAX_INDEX_DIGITS = 20


def parse_fields(text: str) -> list[str]:
    """`a,b.c` -> ["a", "b.c"]. Raises UsageProblem for an empty list or name."""
    names = [part.strip() for part in text.split(",")]
    if not any(names):
        raise UsageProblem(
            "--fields needs at least one field name", "for example: --fields event,url"
        )
    if not all(names):
        raise UsageProblem(
            f"--fields {text!r} has an empty name", "separate names with single commas"
        )
    for name in names:
        check_path(name, "--fields")
    return list(dict.fromkeys(names))  # asking twice for a column shows it once


def check_path(path: str, option: str) -> str:
    """`path` when each of its parts can name a key or an index, else UsageProblem: a
    part of digits is an index, written in at most MAX_INDEX_DIGITS ASCII digits (`²` and
    `٣` are digits to Python, and int() reads them; a person means 0-9)."""
    for part in path.split("."):
        if not part.isdigit():
            continue
        shown = repr(shorten(path, 60))
        if not part.isascii():
            raise UsageProblem(
                f"{option} {shown}: {shorten(part, 20)!r} is not an index: write indices in "
                "ASCII digits (0-9)",
                "for example products.0.sku",
            )
        if len(part) > MAX_INDEX_DIGITS:
            raise UsageProblem(
                f"{option} {shown}: an index has at most {MAX_INDEX_DIGITS} digits",
                "for example products.0.sku",
            )
    return path


def field_value(event: Event, path: str) -> Any:
    """The value at a dotted path; None when the path leads nowhere.

    A key that itself contains dots is found first as a whole; otherwise each part steps
    into an object by key or into an array by a whole-number index (`products.0.sku`).
    """
    value = lookup(event, path)
    return None if value is _MISSING else value


def has_field(event: Event, path: str) -> bool:
    return lookup(event, path) is not _MISSING


def lookup(event: Event, path: str) -> Any:
    if path in event:
        return event[path]
    current: Any = event
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and _is_index(part) and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _is_index(part: str) -> bool:
    return part.isascii() and part.isdigit() and len(part) <= MAX_INDEX_DIGITS


def unknown_fields(events: Sequence[Event], paths: Sequence[str]) -> list[str]:
    """The paths that no event has: most likely typos, worth a warning."""
    return [p for p in paths if not any(has_field(e, p) for e in events)]
