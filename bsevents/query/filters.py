"""Choosing which events to show: parsing filter options and applying them.

Pure functions over sorted event lists; nothing here prints. The CLI parses each option
with the `parse_*` functions (which raise UsageProblem, exit 2), bundles them into
`Criteria`, and calls `select`, which every view shares: filters first, then the N most
recent, then the order.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from bsevents.errors import NotFound, UsageProblem
from bsevents.model.event_time import event_time, in_calendar, looks_iso, parse_iso
from bsevents.model.events import Event
from bsevents.model.ids import uuid_of
from bsevents.model.times import parse_duration
from bsevents.query.where import Condition, all_hold, parse_where

_DATE_ONLY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HAS_ZONE_RE = re.compile(
    r"[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"
)
WHEN_HINT = (
    "use an ISO 8601 date or date-time (2026-11-24, 2026-11-24T19:05, "
    "2026-11-24T19:05:00Z) or a time before now (30m, 2h, 3d, 1w)"
)


@dataclass(frozen=True)
class Criteria:
    """What the filter options ask for. Empty criteria keep every event."""

    types: frozenset[str] = frozenset()
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, inclusive
    grep: str | None = None
    where: tuple[Condition, ...] = ()  # --where: every one must hold

    @property
    def active(self) -> bool:
        return (
            bool(self.types)
            or self.since is not None
            or self.until is not None
            or (self.grep is not None)
            or bool(self.where)
        )


@dataclass(frozen=True)
class Selection:
    """The events a view shows, and how many there were before choosing."""

    events: list[Event]
    total: int  # events in the response
    matching: int  # events that pass the filters


def parse_types(values: Iterable[str] | None) -> frozenset[str]:
    """`--type` values: repeatable and comma-separated; blanks between commas are ignored,
    but a --type that names nothing at all is refused (it would filter nothing)."""
    names: set[str] = set()
    for value in values or ():
        given = {part.strip() for part in value.split(",")} - {""}
        if not given:
            raise UsageProblem(
                f"--type {value!r} names no event", "for example --type purchase,add_to_cart"
            )
        names |= given
    return frozenset(names)


def parse_when(
    text: str,
    *,
    option: str,
    now: datetime,
    tz: tzinfo | None = None,
    end_of_day: bool = False,
) -> float:
    """A `--since`/`--until` value as epoch seconds.

    ISO 8601 dates and date-times without an offset are read in `tz` (local time when
    None): the zone the table shows. A bare date means the start of that day, or with
    `end_of_day` its last moment, so `--until 2026-11-24` includes all of that day.
    Relative values (`30m`, `2h`, `3d`, `1w`, `45s`) count back from `now`.
    """
    stripped = text.strip()
    if not stripped.isascii() and any(char.isdigit() for char in stripped):
        # The date parser's \d would read `٢٠٢٦` as 2026: a person types 0-9 here.
        raise UsageProblem(f"{option}: {stripped!r} has digits other than 0-9", WHEN_HINT)
    # A bare number is no duration here: "2026" reads more like a year than seconds.
    ago = parse_duration(stripped, bare_seconds=False)
    if ago is not None:
        return _in_calendar(now.timestamp() - ago, option, stripped)
    parsed = parse_iso(stripped)
    if parsed is None and looks_iso(stripped):
        raise UsageProblem(
            f"{option}: {stripped!r} is not a possible date or time",
            "months run 1-12, hours 0-23, and a UTC offset is at most ±18:00",
        )
    if parsed is None:
        raise UsageProblem(
            f"{option}: {stripped!r} is not a date, a date-time or a duration", WHEN_HINT
        )
    if not 1 < parsed.year < 9999:
        # The first and last years of the calendar: no event is there, and a time zone
        # or the end of the day would take the value past what a date can hold.
        raise UsageProblem(f"{option}: {stripped!r} is too far in time", WHEN_HINT)
    try:
        if _HAS_ZONE_RE.search(stripped) is None:
            naive = parsed.replace(tzinfo=None)
            parsed = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
        if end_of_day and _DATE_ONLY_RE.fullmatch(stripped):
            seconds = (parsed + timedelta(days=1)).timestamp() - 1e-6
        else:
            seconds = parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        seconds = math.inf
    return _in_calendar(seconds, option, stripped)


def _in_calendar(seconds: float, option: str, text: str) -> float:
    # The first or last days of the calendar, or past them: no event can be there.
    if not in_calendar(seconds):
        raise UsageProblem(f"{option}: {text!r} is too far in time", WHEN_HINT)
    return seconds


def make_criteria(
    *,
    types: Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    grep: str | None = None,
    utc: bool = False,
    now: datetime | None = None,
    where: Iterable[str] | None = None,
) -> Criteria:
    """Criteria from the raw option values. Raises UsageProblem for a bad value."""
    moment = now or datetime.now(timezone.utc)
    tz = timezone.utc if utc else None
    start = parse_when(since, option="--since", now=moment, tz=tz) if since is not None else None
    end = (
        parse_when(until, option="--until", now=moment, tz=tz, end_of_day=True)
        if until is not None
        else None
    )
    if start is not None and end is not None and start > end:
        raise UsageProblem(
            f"--since {since} is after --until {until}: no event can match",
            "swap them, or drop one",
        )
    if grep is not None and not grep.strip():
        raise UsageProblem("--grep needs some text to look for")
    return Criteria(parse_types(types), start, end, grep, parse_where(where))


def _values_text(value: Any, out: list[str]) -> None:
    # A stack, not recursion: an event can nest as deep as the JSON parser went.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        else:
            out.append(json.dumps(item))


def grep_matches(event: Event, needle: str) -> bool:
    """True when `needle` occurs, ignoring case, in any value of the event, at any depth.
    Keys are not searched; numbers, booleans and null are matched as their JSON text."""
    parts: list[str] = []
    _values_text(event, parts)
    folded = needle.casefold()
    return any(folded in part.casefold() for part in parts)


def matches(event: Event, criteria: Criteria) -> bool:
    """Whether one event passes every filter. Events with no usable time never pass a
    time filter: there is no telling when they happened."""
    if criteria.types:
        name = event.get("event")
        if not isinstance(name, str) or name not in criteria.types:
            return False
    if criteria.since is not None or criteria.until is not None:
        moment = event_time(event)
        if moment is None:
            return False
        if criteria.since is not None and moment < criteria.since:
            return False
        if criteria.until is not None and moment > criteria.until:
            return False
    if criteria.where and not all_hold(event, criteria.where):
        return False
    return not (criteria.grep is not None and not grep_matches(event, criteria.grep))


def select(
    events: Sequence[Event],
    criteria: Criteria,
    *,
    limit: int | None = None,
    reverse: bool = False,
) -> Selection:
    """Filter sorted events, keep the `limit` most recent, then newest first if `reverse`."""
    chosen = [e for e in events if matches(e, criteria)] if criteria.active else list(events)
    matching = len(chosen)
    if limit is not None and matching > limit:
        chosen = chosen[matching - limit :]
    if reverse:
        chosen.reverse()
    return Selection(chosen, len(events), matching)


def missing_types(events: Sequence[Event], types: frozenset[str]) -> dict[str, list[str]]:
    """For each asked-for type no event has, the names present that look like it: event
    names are case-sensitive, and `Purchase` for `purchase` is a classic bug."""
    import difflib

    present = {n for n in (e.get("event") for e in events) if isinstance(n, str)}
    names = sorted(present)
    lowered = {n.lower(): n for n in names}
    out: dict[str, list[str]] = {}
    for wanted in sorted(types - present):
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.75)
        if wanted.lower() in lowered and lowered[wanted.lower()] not in close:
            close.insert(0, lowered[wanted.lower()])
        out[wanted] = close
    return out


def find_events(events: Sequence[Event], wanted: str) -> list[Event]:
    """The events whose `event_uuid` is `wanted` (ignoring case and surrounding space), or
    failing that the events whose uuid starts with it. Raises NotFound when none does and
    UsageProblem when a prefix fits several different uuids."""
    key = wanted.strip().lower()
    if not key:
        raise UsageProblem("--show needs an event_uuid")

    exact = [e for e in events if uuid_of(e) == key]
    if exact:
        return exact
    prefixed = [e for e in events if uuid_of(e).startswith(key)]
    distinct = {uuid_of(e) for e in prefixed}
    if len(distinct) > 1:
        raise UsageProblem(
            f"{len(distinct)} events have an event_uuid starting with {wanted.strip()!r}",
            "give more of it",
        )
    if prefixed:
        return prefixed
    raise NotFound(
        f"no event has event_uuid {wanted.strip()!r}",
        "list them with: --fields event_uuid,event",
    )
