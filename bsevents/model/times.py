"""Times for people: local clock times, waits and ages; ISO 8601 for machines."""

from __future__ import annotations

import math
import time
from datetime import datetime

# The times shown here come from our own clock and files, but a damaged file can hold
# any number: past what datetime can hold, or NaN from a string "nan". Those show as
# unknown rather than stop the command.
_OUT_OF_RANGE = (OverflowError, ValueError, OSError)
# 3000-01-01: a time that bsevents stored (or a store's clock) past it is damage, no time.
LATEST_TIME = 32_503_680_000.0


def clock(at: float) -> str:
    """Local `HH:MM`, or `--:--` for a time no clock can show."""
    try:
        return datetime.fromtimestamp(at).strftime("%H:%M")
    except _OUT_OF_RANGE:
        return "--:--"


def minutes_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "an unknown time"
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def clock_and_wait(at: float, now: float) -> str:
    """`14:32 (in 12 min)`."""
    return f"{clock(at)} (in {minutes_text(at - now)})"


def ago(seconds: float) -> str:
    """`just now`, `35 s ago`, `2 min ago`, `3 h ago`, `2 days ago`. Seconds are said
    under a minute: a copy 35 s old is past the 30 s after which a miss is asked again."""
    if not math.isfinite(seconds):
        return "at an unknown time"
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


def iso_utc(at: float | None) -> str | None:
    """`2026-11-28T14:32:05Z`, or None. By time.gmtime, a third of datetime's time: it is
    written for every row of thousands (reconcile, lint --json)."""
    if at is None:
        return None
    try:
        t = time.gmtime(at)
    except _OUT_OF_RANGE:
        return None
    if not 1 <= t.tm_year <= 9999:  # what an ISO 8601 date (and datetime) can hold
        return None
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d}Z"
    )


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Each unit at most once, the largest first (`1h30m`, not `30m1h` or `5m5m`), in ASCII
# digits: `\d` would take `٣` too. A pattern, not a compiled one: compiled on first use.
_DURATION = "".join(rf"(?:([0-9]+(?:\.[0-9]+)?){unit})?" for unit in "wdhms")


def parse_duration(text: str, *, bare_seconds: bool = True) -> float | None:
    """`90`, `90s`, `6m`, `1h30m`, `2d`, `1w` as seconds; None when it is not a duration.
    A bare number is seconds, unless `bare_seconds` is off."""
    import re

    value = "".join(text.split()).lower()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True too
        return float(value) if bare_seconds else None
    found = re.fullmatch(_DURATION, value)
    if not value or found is None:
        return None
    amounts = zip(found.groups(), "wdhms", strict=True)
    return sum(float(n) * _UNITS[u] for n, u in amounts if n is not None)


def duration_text(seconds: float) -> str:
    """`6m40s`, `12m`, `1h05m`, `45s`."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"


def duration_option(option: str, text: str, *, longest: tuple[float, str], example: str) -> float:
    """The seconds of a duration option (`--wait 15m`), checked before anything is spent:
    UsageProblem for text that is no duration, none, or more than `longest` (its seconds
    and its words: `(86400, "a day")`)."""
    from bsevents.errors import UsageProblem

    seconds = parse_duration(text)
    hint = f"for example {option} {example}"
    if seconds is None or seconds <= 0:
        raise UsageProblem(f"{option} {text!r} is not a duration", hint)
    if seconds > longest[0]:
        raise UsageProblem(f"{option} {text} is longer than {longest[1]}", hint)
    return seconds
