"""When an event happened: its `timestamp` (ISO 8601), else `timestamp_epoch`, else
`_bsft_ts`, each read and checked, and what casts doubt on the time an event is sorted by.
Pure functions; nothing here prints.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

_Event = dict[str, Any]

_ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)
# Epoch values above this are taken as milliseconds: as seconds they would be
# after the year 5000, as milliseconds they are after 1973.
_EPOCH_MS_THRESHOLD = 1e11
# Python 3.11 reads a trailing `Z` itself, which is three times faster than replacing it.
_FROMISOFORMAT_READS_Z = sys.version_info >= (3, 11)


def parse_iso(text: str) -> datetime | None:
    """Parse an ISO 8601 date or date-time, with or without fractional seconds, with `Z`,
    an offset or neither (then UTC). Returns an aware datetime, or None when the text is
    not exactly one such value (a stray quote or comma makes it unusable)."""
    fast = _parse_common_iso(text)
    if fast is not None:
        return fast
    match = _ISO_RE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = _zone(zone)
    if tz is None:
        return None
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except ValueError:
        return None


# No place on Earth is further from UTC than 14 hours; ISO 8601 readers such as Java's
# stop at 18. Past that an offset is a mistake, and past 24 hours Python cannot hold it.
MAX_OFFSET = timedelta(hours=18)


def _zone(text: str | None) -> timezone | None:
    """The zone of `Z`, `+05:30`, `-0800` or `+05` (UTC when absent); None when the
    offset is impossible (minutes past 59, or beyond ±18:00)."""
    if not text or text in ("Z", "z"):
        return timezone.utc
    digits = text[1:].replace(":", "")
    minutes = int(digits[2:4] or 0)
    offset = timedelta(hours=int(digits[:2]), minutes=minutes)
    if minutes > 59 or offset > MAX_OFFSET:
        return None
    return timezone(-offset if text[0] == "-" else offset)


def looks_iso(text: str) -> bool:
    """Whether `text` has the shape of an ISO 8601 date or date-time, possible or not."""
    return _ISO_RE.fullmatch(text.strip()) is not None


def _parse_common_iso(text: str) -> datetime | None:
    """The two shapes Blueshift sends (`2021-06-24T04:53:54Z`, `…54.415Z`), through the C
    parser: eight times faster than the regex, which matters at 100,000 events. Anything
    else (or anything the C parser refuses) goes the general way, so results never differ."""
    size = len(text)
    if not (
        (size == 20 or (size == 24 and text[19] == "."))
        and text[-1] == "Z"
        and text[10] == "T"
        and text[4] == text[7] == "-"
        and text[13] == text[16] == ":"
        and text[11:13] != "24"
    ):
        return None
    try:
        if _FROMISOFORMAT_READS_Z:
            return datetime.fromisoformat(text)
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


# A number as JSON writes it: float() would also take "1_000", "nan" and Arabic digits.
_NUMBER_RE = re.compile(r"\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*", re.ASCII)


def _epoch_seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > 64 or not _NUMBER_RE.fullmatch(value):
            return None
        value = float(value)
    if not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)  # an int too large for a float raises OverflowError
    except OverflowError:
        return None
    if not math.isfinite(seconds):
        return None
    if abs(seconds) > _EPOCH_MS_THRESHOLD:
        seconds /= 1000.0
    # Outside what datetime can represent: treat as unusable rather than crash later.
    if not -62135596800 <= seconds <= 253402300799:
        return None
    return seconds


# Times this close to the ends of what datetime can hold (years 1 and 9999) cannot be
# shown in every time zone; no real event is there, so they count as unusable.
_EARLIEST = -62135596800 + 2 * 86400
_LATEST = 253402300799 - 2 * 86400


def iso_seconds(value: Any) -> float | None:
    """An ISO 8601 text's epoch seconds; None for anything else, or a time past the
    calendar's ends."""
    if not isinstance(value, str):
        return None
    parsed = parse_iso(value)
    if parsed is None:
        return None
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError):
        return None  # year 1 or 9999 with an offset that takes it past the calendar


def in_calendar(seconds: float) -> bool:
    """Whether an epoch time can be an event's: shown in any zone, compared, sorted."""
    return _EARLIEST <= seconds <= _LATEST


def event_time(event: _Event) -> float | None:
    """When the event happened, in epoch seconds: `timestamp`, else `timestamp_epoch`,
    else `_bsft_ts` (when Blueshift stored it). None when none of them is usable."""
    seconds = iso_seconds(event.get("timestamp"))
    if seconds is not None and _EARLIEST <= seconds <= _LATEST:
        return seconds
    seconds = _epoch_seconds(event.get("timestamp_epoch"))
    if seconds is not None and _EARLIEST <= seconds <= _LATEST:
        return seconds
    seconds = iso_seconds(event.get("_bsft_ts"))
    if seconds is not None and _EARLIEST <= seconds <= _LATEST:
        return seconds
    return None


# How far `timestamp_epoch` may be from `timestamp` before one of them is wrong: they are
# the same moment, and a minute spares rounding and a clock's leap.
EPOCH_AGREEMENT = 60.0


@dataclass(frozen=True)
class TimeDoubt:
    """Why the time an event is sorted by may be wrong: `field` (`timestamp`, or
    `timestamp_epoch` when it was the one read) is present but no usable time, or
    (`off_by` set) `timestamp_epoch` is `off_by` seconds from `timestamp`. `used` is the
    field the time was taken from (None: none was usable)."""

    field: str
    value: Any
    used: str | None
    off_by: float | None = None


def _usable(seconds: float | None) -> float | None:
    return seconds if seconds is not None and _EARLIEST <= seconds <= _LATEST else None


def time_doubt(event: _Event) -> TimeDoubt | None:
    """What casts doubt on the event's time (see TimeDoubt), or None. A field that is
    missing or null casts none: only one sent with a value that is not a time does."""
    return read_time(event)[1]


def read_time(event: _Event) -> tuple[float | None, TimeDoubt | None]:
    """event_time and time_doubt at once, each field read once: for reading many events."""
    stamp = event.get("timestamp")
    epoch_value = event.get("timestamp_epoch")
    epoch = None if epoch_value is None else _usable(_epoch_seconds(epoch_value))
    if stamp is not None:
        seconds = _usable(iso_seconds(stamp))
        if seconds is None:
            used = _fallback(event, epoch)
            at = epoch if used == "timestamp_epoch" else _bsft_seconds(event)
            return at, TimeDoubt("timestamp", stamp, used)
        if epoch is not None and abs(epoch - seconds) > EPOCH_AGREEMENT:
            return seconds, TimeDoubt("timestamp_epoch", epoch_value, "timestamp", epoch - seconds)
        return seconds, None
    if epoch is not None:
        return epoch, None
    at = _bsft_seconds(event)
    if epoch_value is not None:
        return at, TimeDoubt("timestamp_epoch", epoch_value, None if at is None else "_bsft_ts")
    return at, None


def _bsft_seconds(event: _Event) -> float | None:
    return _usable(iso_seconds(event.get("_bsft_ts")))


def _fallback(event: _Event, epoch: float | None) -> str | None:
    """The field event_time reads when `timestamp` is unusable."""
    if epoch is not None:
        return "timestamp_epoch"
    return "_bsft_ts" if _bsft_seconds(event) is not None else None
