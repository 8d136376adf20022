"""Dotted paths into an event (`products.0.sku`), as `--fields` and `--where` name them:
parsing a list of them and reading the values.

Plain Python, no rich: the CSV view uses it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bsevents.errors import UsageProblem
from bsevents.model.events import Event

_MISSING = object()


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
    return list(dict.fromkeys(names))  # asking twice for a column shows it once


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
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def unknown_fields(events: Sequence[Event], paths: Sequence[str]) -> list[str]:
    """The paths that no event has: most likely typos, worth a warning."""
    return [p for p in paths if not any(has_field(e, p) for e in events)]
