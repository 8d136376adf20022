"""Events as plain data: parsing a response body, reading event times, sorting.

Pure functions over the objects exactly as Blueshift sent them; nothing here prints,
and nothing here changes an event object.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bsevents.errors import BadResponse

Event = dict[str, Any]

# The fields Blueshift documents for show_events; anything else is a custom parameter.
STANDARD_FIELDS: tuple[str, ...] = (
    "timestamp",
    "event",
    "event_uuid",
    "user_uuid",
    "email",
    "session_uuid",
    "url",
    "referrer",
    "site",
    "browser_type",
    "browser_version",
    "browser_platform",
    "user_agent",
    "ip",
    "cookie",
    "timestamp_epoch",
    "account_uuid",
    "_bsft_ts",
    "_bsft_doc_type",
    "_bsft_type",
    "_exp",
    "santized_at",
)
_STANDARD = frozenset(STANDARD_FIELDS)

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


def _finite_float(text: str) -> float:
    """A JSON number as a double. One too large for a double (1e400) becomes the largest
    double, as jq does, rather than infinity, which JSON cannot write back."""
    value = float(text)
    if math.isinf(value):
        return math.copysign(sys.float_info.max, value)
    return value


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise ValueError(f"{name} is not valid JSON")


class NumberOutOfRange(ValueError):
    """A JSON number that a double cannot hold: it would be read as another number."""


def _exact_float(text: str) -> float:
    value = float(text)
    mantissa = text.lower().partition("e")[0]
    if math.isinf(value) or (value == 0 and any(c in "123456789" for c in mantissa)):
        raise NumberOutOfRange(f"{text} is beyond what a double holds")
    return value


# JSON nested this deep is always read; deeper, as far as the parser goes from there
# (about 2,000 levels on Python 3.11, whose parser counts against the recursion limit).
READ_DEPTH = 1000
TOO_DEEP_TO_READ = "arrays and objects nested too deeply to read"


@contextmanager
def room_to_nest() -> Iterator[None]:
    """Python's JSON parser and encoder nest on the interpreter's stack (up to 3.11 they
    count against the recursion limit): room for READ_DEPTH levels below the caller, so
    that how deep JSON may go does not depend on how deep the caller's stack is."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(old + READ_DEPTH + 100)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def loads(text: bytes | str, *, exact_numbers: bool = False) -> Any:
    """json.loads for event data: no NaN or Infinity in, so none can come out. JSON of
    READ_DEPTH levels is read from any caller; JSON nested deeper than the parser can
    follow is a ValueError (TOO_DEEP_TO_READ) like any other unreadable JSON, not a
    RecursionError. A number too large for a double becomes the largest double; with
    `exact_numbers`, it is a NumberOutOfRange instead (as is a nonzero number that would
    become 0)."""
    parse_float = _exact_float if exact_numbers else _finite_float
    try:
        with room_to_nest():
            return json.loads(text, parse_float=parse_float, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError(TOO_DEEP_TO_READ) from None


# What stands for the parts of an event nested deeper than MAX_DEPTH levels.
MAX_DEPTH = 100
TOO_DEEP = f"(nested deeper than {MAX_DEPTH} levels)"


class Summarised(str):
    """TOO_DEEP standing in for a value cut at MAX_DEPTH: a str, so every view and encoder
    shows it as that text; a type of its own, so lint tells it from a visitor's string."""


SUMMARISED = Summarised(TOO_DEEP)


def cut_deep(value: Any, limit: int = MAX_DEPTH) -> Any:
    """A copy of `value` in which every array or object more than `limit` levels down is
    replaced by SUMMARISED. Iterative, so any depth that parsed can be cut."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    while stack:
        item, parent, slot, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                item = SUMMARISED
            elif isinstance(item, dict):
                copy: Any = dict.fromkeys(item)
                stack.extend((child, copy, key, depth + 1) for key, child in item.items())
                item = copy
            else:
                copy = [None] * len(item)
                stack.extend((child, copy, i, depth + 1) for i, child in enumerate(item))
                item = copy
        parent[slot] = item
    return root[0]


_NESTING = (dict, list)
_STRING_RE = re.compile(rb'"[^"]*"')
_KEEP = b'"[]{}'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
# Objects and arrays nest alike: one kind of bracket makes each peel exactly one level.
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def too_deep(body: bytes, limit: int) -> bool:
    """True when JSON text nests arrays and objects more than `limit` deep.

    Done on the bytes, before parsing, so that no parser or later walk ever meets the
    depth: escapes are dropped, then everything but quotes and brackets, then strings
    (which may hold brackets); what is left is the bracket skeleton, peeled one level per
    pass. For 100,000 events this costs a small fraction of the parse itself.
    """
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Most strings hold no bracket and shrink to `""`: one replace is much faster than the
    # regular expression, which then only sees the few strings that do.
    skeleton = body.translate(_ONE_KIND, _DROP).replace(b'""', b"")
    skeleton = _STRING_RE.sub(b"", skeleton)
    for _ in range(limit):
        peeled = skeleton.replace(b"[]", b"")
        if len(peeled) == len(skeleton):
            return False  # all peeled, or a stray quote the parser will refuse anyway
        skeleton = peeled
    return b"[]" in skeleton


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests arrays and objects more than `limit` levels (a scalar is 0
    levels, `[]` one). It stops at the first path that is too deep. Called for every event,
    so the usual shallow value is told apart with the fewest steps: by recursion, which is
    faster than a stack of tuples, as long as `limit` is far from Python's own limit."""
    if limit > MAX_DEPTH:
        return _deeper_than_by_stack(value, limit)
    kind = type(value)
    if kind is not dict and kind is not list:
        return False
    if limit < 1:
        return True
    for child in value.values() if kind is dict else value:
        child_kind = type(child)
        if (child_kind is dict or child_kind is list) and deeper_than(child, limit - 1):
            return True
    return False


def _deeper_than_by_stack(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth >= limit:
                return True
            children = item.values() if kind is dict else item
            stack.extend((child, depth + 1) for child in children if type(child) in _NESTING)
    return False


def summarised_path(value: Any) -> str | None:
    """The dotted path of the first value cut_deep summarised in `value`, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        items = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in items:
            where = f"{path}.{key}" if path else str(key)
            if isinstance(child, Summarised):
                return where
            if isinstance(child, (dict, list)):
                stack.append((child, where))
    return None


def encode_json(value: Any, encode: Callable[[Any], str]) -> str:
    """`encode(value)`, or when `value` is too deep for the encoder, of its cut copy."""
    try:
        return encode(value)
    except RecursionError:
        return encode(cut_deep(value))


def load_json(body: bytes | str) -> Any:
    """json.loads with the cyclic garbage collector paused: parsed JSON has no cycles,
    and the collections that 2 million new objects would trigger take as long as the
    parse itself (0.9 s instead of 0.5 s for 100,000 events)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return loads(body)
    finally:
        if was_enabled:
            gc.enable()


def parse_events_json(body: bytes | str) -> list[Event]:
    """Parse a show_events body: a JSON array of objects. Raises BadResponse."""
    try:
        data = load_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        if str(exc) == TOO_DEEP_TO_READ:
            raise BadResponse(
                "the response nests arrays and objects too deeply to read "
                f"(more than {READ_DEPTH:,} levels); not read",
                "the API or a proxy in front of it is misbehaving",
            ) from None
        raise BadResponse(
            f"the response is not valid JSON ({_describe_json_error(exc)})",
            "run again with --debug to see the request; if it persists, the API "
            "or a proxy in front of it is misbehaving",
        ) from None
    return check_events(data)


def check_events(data: Any) -> list[Event]:
    """Accept only the documented shape: a list whose items are all objects. An event
    nested deeper than MAX_DEPTH is replaced by its cut copy (cut_deep), so that no view,
    filter or rule ever walks deeper, and one visitor's deep value leaves the others be."""
    if not isinstance(data, list):
        raise BadResponse(
            f"expected a JSON array of events, got a JSON {_json_type(data)}",
            "the endpoint documents an array; check the base URL",
        )
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise BadResponse(
                f"event {index} is a JSON {_json_type(item)}, not an object",
                "the endpoint documents an array of event objects",
            )
        if deeper_than(item, MAX_DEPTH):
            data[index] = cut_deep(item)
    return data


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _describe_json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(exc)


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


def _iso_seconds(value: Any) -> float | None:
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


def event_time(event: Event) -> float | None:
    """When the event happened, in epoch seconds: `timestamp`, else `timestamp_epoch`,
    else `_bsft_ts` (when Blueshift stored it). None when none of them is usable."""
    seconds = _iso_seconds(event.get("timestamp"))
    if seconds is not None and _EARLIEST <= seconds <= _LATEST:
        return seconds
    seconds = _epoch_seconds(event.get("timestamp_epoch"))
    if seconds is not None and _EARLIEST <= seconds <= _LATEST:
        return seconds
    seconds = _iso_seconds(event.get("_bsft_ts"))
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


def time_doubt(event: Event) -> TimeDoubt | None:
    """What casts doubt on the event's time (see TimeDoubt), or None. A field that is
    missing or null casts none: only one sent with a value that is not a time does."""
    return read_time(event)[1]


def read_time(event: Event) -> tuple[float | None, TimeDoubt | None]:
    """event_time and time_doubt at once, each field read once: for reading many events."""
    stamp = event.get("timestamp")
    epoch_value = event.get("timestamp_epoch")
    epoch = None if epoch_value is None else _usable(_epoch_seconds(epoch_value))
    if stamp is not None:
        seconds = _usable(_iso_seconds(stamp))
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


def _bsft_seconds(event: Event) -> float | None:
    return _usable(_iso_seconds(event.get("_bsft_ts")))


def _fallback(event: Event, epoch: float | None) -> str | None:
    """The field event_time reads when `timestamp` is unusable."""
    if epoch is not None:
        return "timestamp_epoch"
    return "_bsft_ts" if _bsft_seconds(event) is not None else None


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Oldest first by event time; events with no usable time keep their relative order
    at the end. Stable, so equal times keep the order Blueshift sent them in."""
    keyed = [(event_time(event), event) for event in events]
    timed = [pair for pair in keyed if pair[0] is not None]
    timed.sort(key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]
    return [event for _, event in timed] + [event for t, event in keyed if t is None]


def event_key(event: Event) -> str:
    """What identifies an event across fetches: its `event_uuid`, or lacking one, a hash
    of its content."""
    uuid = event.get("event_uuid")
    if isinstance(uuid, str) and uuid:
        return uuid
    canonical = encode_json(event, _CANONICAL)
    # surrogatepass: a lone surrogate from a JSON escape still hashes, and every other
    # string hashes exactly as before (the cache keeps these keys).
    digest = hashlib.sha1(canonical.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return "sha1:" + digest.hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


def count_trailing_untimed(events: Sequence[Event]) -> int:
    """How many events have no usable time, in a list from sort_events (where they are
    the last ones): it reads only those, not the 10,000 before them."""
    untimed = 0
    for event in reversed(events):
        if event_time(event) is not None:
            break
        untimed += 1
    return untimed


def custom_fields(event: Event) -> dict[str, Any]:
    """The event's custom parameters: every top-level key Blueshift does not document."""
    return {key: value for key, value in event.items() if key not in _STANDARD}
