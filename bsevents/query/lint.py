"""Linting events: built-in rules as pure functions over sorted events, giving findings.

Each rule reads the whole list (some need to compare events) and yields `Finding`s; nothing
here prints. A tracking plan's checks (`plan.py`) produce findings of the same shape, and
`sort_findings` orders them all: errors first, then by event time.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from bsevents.model.events import (
    MAX_DEPTH,
    TOO_DEEP,
    Event,
    custom_fields,
    event_time,
    parse_iso,
    summarised_path,
)

Severity = Literal["error", "warning"]
FUTURE_SLACK = 5 * 60  # seconds a clock may run ahead before an event counts as future
LATE_AFTER = 3600  # seconds between happening and arrival before an event counts as late
NEAR_WINDOW = 2.0  # seconds within which two equal events look double-fired
NAME_LIMIT = 64
PLACEHOLDERS = frozenset({"undefined", "null", "NaN", "[object Object]", "None", "string"})
MESSAGE_LIMIT = 500  # characters: a message quotes event values, which can be huge
_WALK_DEPTH = 32  # nesting levels searched for placeholder values


@dataclass(frozen=True)
class Finding:
    """One problem with one event. `index` is the event's position in the linted list
    (for marking it in a view); the other fields are what `--json` prints."""

    rule: str
    severity: Severity
    index: int
    event_uuid: str | None
    event: str | None
    timestamp: str | None  # the event's time in ISO 8601 UTC, None when it has none
    path: str  # dotted JSON path of the value, "" for the whole event
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "event_uuid": self.event_uuid,
            "event": self.event,
            "timestamp": self.timestamp,
            "path": self.path,
            "message": self.message,
        }


@dataclass(frozen=True)
class Batch:
    """The events being linted, each one's time read once (rules share them), and the
    moment of the lint."""

    events: Sequence[Event]
    times: list[float | None]
    now: float

    @classmethod
    def of(cls, events: Sequence[Event], now: float) -> Batch:
        return cls(events, [event_time(e) for e in events], now)


# A rule yields (index of the event, dotted path, message) for each problem it finds.
Check = Callable[[Batch], Iterator[tuple[int, str, str]]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    why: str  # one line, also in the README
    check: Check


def iso_utc(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def finding(
    rule: str, severity: Severity, batch: Batch, index: int, path: str, message: str
) -> Finding:
    """A Finding about the batch's event `index`, with the event's identity filled in."""
    event = batch.events[index]
    uuid, name = event.get("event_uuid"), event.get("event")
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    return Finding(
        rule=rule,
        severity=severity,
        index=index,
        event_uuid=uuid if isinstance(uuid, str) else (None if uuid is None else _id_text(uuid)),
        event=name if isinstance(name, str) else None,
        timestamp=iso_utc(batch.times[index]),
        path=path,
        message=message,
    )


_TYPE_NAMES = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value; integers and fractions are both numbers.
    (json.loads makes only these exact types.)"""
    return _TYPE_NAMES.get(type(value), "object")


def _id_text(value: Any) -> str | None:
    """A non-string event_uuid (a number) as the JSON text the table shows."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def _quote(value: str, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 2] + '…"'


def _duplicate_uuid(batch: Batch) -> Iterator[tuple[int, str, str]]:
    from bsevents.query.filters import uuid_of

    events = batch.events
    # Compared as --show compares them: ignoring letter case, a number as its JSON text.
    ids = [uuid_of(e) for e in events]
    counts = Counter(u for u in ids if u)
    seen: set[str] = set()
    for index, uuid in enumerate(ids):
        if not uuid or counts[uuid] < 2:
            continue
        if uuid in seen:
            yield (
                index,
                "event_uuid",
                f"this event_uuid is here {counts[uuid]} times (a double send); "
                "expected each event once",
            )
        seen.add(uuid)


def _near_duplicate(batch: Batch) -> Iterator[tuple[int, str, str]]:
    events, times = batch.events, batch.times
    # For each (name, parameters): the latest event, and the latest one whose uuid differs
    # from it. Events come oldest first, so that pair is all a later event can match, and
    # a burst of thousands of events at one moment costs one lookup each, not a scan.
    latest: dict[tuple[str, str], tuple[_Seen, _Seen | None]] = {}
    for index, event in enumerate(events):
        name, moment = event.get("event"), times[index]
        if not isinstance(name, str) or moment is None:
            continue
        key = (name, _fingerprint(custom_fields(event)))
        uuid = event.get("event_uuid")
        now = _Seen(index, moment, uuid)
        last, other = latest.get(key, (None, None))
        match = last if last is not None and last.uuid != uuid else other
        if match is not None and moment - match.moment <= NEAR_WINDOW:
            yield (
                index,
                "",
                f"same {_quote(name)} with the same parameters {moment - match.moment:.1f} s "
                f"after event {_quote(str(events[match.index].get('event_uuid')))} "
                "(a double-fired tag?); expected one event",
            )
        if last is None:
            latest[key] = (now, None)
        elif last.uuid != uuid:
            latest[key] = (now, last)
        else:
            latest[key] = (now, other)


@dataclass(frozen=True)
class _Seen:
    index: int
    moment: float
    uuid: Any


def _fingerprint(parameters: dict[str, Any]) -> str:
    """The parameters as canonical JSON text: equal text, equal parameters."""
    try:
        return json.dumps(parameters, sort_keys=True, ensure_ascii=True, default=repr)
    except (RecursionError, ValueError):  # too deep to compare: never a near-duplicate
        return f"unique-{id(parameters)}"


def _type_drift(batch: Batch) -> Iterator[tuple[int, str, str]]:
    kinds: dict[str, dict[str, set[str]]] = {}  # name -> key -> JSON types seen
    for event in batch.events:
        name = event.get("event")
        if isinstance(name, str):
            keys = kinds.setdefault(name, {})
            for key, value in event.items():
                if value is not None:
                    seen = keys.get(key)
                    if seen is None:
                        keys[key] = {json_type(value)}
                    else:
                        seen.add(json_type(value))
    drifting = {(n, k) for n, keys in kinds.items() for k, seen in keys.items() if len(seen) > 1}
    if drifting:
        yield from _drifted(batch.events, drifting)


def _drifted(
    events: Sequence[Event], drifting: set[tuple[str, str]]
) -> Iterator[tuple[int, str, str]]:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for event in events:
        name = event.get("event")
        if not isinstance(name, str):  # an object or list as a name: unhashable, no drift
            continue
        for key, value in event.items():
            pair = (name, key)
            if pair in drifting and value is not None:
                counts[pair][json_type(value)] += 1
    for index, event in enumerate(events):
        name = event.get("event")
        if not isinstance(name, str):
            continue
        for key, value in event.items():
            pair = (name, key)
            if pair not in drifting or value is None:
                continue
            # The most common type is taken as meant (the first seen when tied).
            usual, usual_count = counts[pair].most_common(1)[0]
            kind = json_type(value)
            if kind != usual:
                yield (
                    index,
                    key,
                    f"{key} is a {kind} here but a {usual} in {usual_count} other "
                    f"{_quote(str(name))} events; expected one type",
                )


def _placeholders(value: Any, path: str, depth: int) -> Iterator[tuple[str, str]]:
    """(path, text) of each placeholder string in `value`; paths are only built for the
    containers searched, and no deeper than _WALK_DEPTH."""
    if depth >= _WALK_DEPTH:
        return
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        kind = type(item)
        if kind is str:
            if item in PLACEHOLDERS:
                yield (f"{path}.{key}" if path else str(key)), item
        elif kind is dict or kind is list:
            yield from _placeholders(item, f"{path}.{key}" if path else str(key), depth + 1)


def _placeholder_value(batch: Batch) -> Iterator[tuple[int, str, str]]:
    for index, event in enumerate(batch.events):
        for path, text in _placeholders(event, "", 0):
            yield (
                index,
                path,
                f"the value is the text {_quote(text)}, left by a programming mistake; "
                "expected a real value, or the key left out",
            )


def _deep_value(batch: Batch) -> Iterator[tuple[int, str, str]]:
    for index, event in enumerate(batch.events):
        path = summarised_path(event)
        if path is not None:
            yield (
                index,
                path,
                f"arrays or objects nested more than {MAX_DEPTH} levels deep, shown from here "
                f"as {TOO_DEEP}; expected a few levels",
            )


def _bad_time(batch: Batch) -> Iterator[tuple[int, str, str]]:
    for index, moment in enumerate(batch.times):
        if moment is None:
            yield (
                index,
                "",
                "no usable time: timestamp, timestamp_epoch and _bsft_ts are missing or not "
                "dates; expected an ISO 8601 timestamp",
            )


def _time_field(event: Event) -> str:
    for key in ("timestamp", "timestamp_epoch", "_bsft_ts"):
        if key in event:
            return key
    return ""


def _future_time(batch: Batch) -> Iterator[tuple[int, str, str]]:
    now = batch.now
    for index, moment in enumerate(batch.times):
        if moment is not None and moment > now + FUTURE_SLACK:
            yield (
                index,
                _time_field(batch.events[index]),
                f"the event time is {_span(moment - now)} after the lint ran; "
                "expected a time in the past (a clock ahead?)",
            )


def _seconds_of(value: Any) -> float | None:
    parsed = parse_iso(value) if isinstance(value, str) else None
    if parsed is None:
        return None
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


def _same_utc_hour(first: str, second: str) -> bool:
    """Both UTC (`Z`) times within the same clock hour: `2026-11-20T10`."""
    return first.endswith("Z") and second.endswith("Z") and first[:13] == second[:13]


def _late_arrival(batch: Batch) -> Iterator[tuple[int, str, str]]:
    for index, event in enumerate(batch.events):
        stored, stamp = event.get("_bsft_ts"), event.get("timestamp")
        if type(stored) is str and type(stamp) is str and _same_utc_hour(stored, stamp):
            continue  # the usual case, told apart without parsing two dates
        received = _seconds_of(stored)
        if received is None:
            continue
        happened = _seconds_of(stamp)
        if happened is not None and received is not None and received - happened > LATE_AFTER:
            yield (
                index,
                "_bsft_ts",
                f"Blueshift received the event {_span(received - happened)} after its timestamp; "
                "expected within an hour (an offline queue, or a clock behind?)",
            )


def _event_name(batch: Batch) -> Iterator[tuple[int, str, str]]:
    verdicts: dict[str, str | None] = {}  # a customer has few names and many events
    for index, event in enumerate(batch.events):
        name = event.get("event")
        if not isinstance(name, str):
            continue
        if name not in verdicts:
            verdicts[name] = _name_problem(name)
        problem = verdicts[name]
        if problem is not None:
            yield index, "event", problem


def _name_problem(name: str) -> str | None:
    wrong = []
    if "." in name:
        wrong.append("a period")
    if any(c.isdigit() for c in name):
        wrong.append("a digit")
    if any(c.isspace() for c in name):
        wrong.append("white space")
    if len(name) > NAME_LIMIT:
        wrong.append(f"{len(name)} characters")
    if not wrong:
        return None
    return (
        f"the name {_quote(name)} has {', '.join(wrong)}; expected letters and _ only, "
        f"at most {NAME_LIMIT} characters (integrations reject or rewrite others)"
    )


def _span(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


RULES: tuple[Rule, ...] = (
    Rule(
        "duplicate-uuid",
        "error",
        "the same event_uuid more than once: the event was sent twice, and counts twice",
        _duplicate_uuid,
    ),
    Rule(
        "near-duplicate",
        "warning",
        "the same name and parameters within 2 s under different uuids: a tag fired twice",
        _near_duplicate,
    ),
    Rule(
        "type-drift",
        "warning",
        "one key of one event name with values of different JSON types: segments and "
        "templates that compare numbers miss the strings",
        _type_drift,
    ),
    Rule(
        "placeholder-value",
        "warning",
        "a value like undefined, null, NaN, [object Object], None or string: the text of a "
        "programming mistake, stored as if it were data",
        _placeholder_value,
    ),
    Rule(
        "deep-value",
        "warning",
        f"arrays or objects nested more than {MAX_DEPTH} levels deep: bsevents shows the "
        "event with the deepest part summarised, and few tools read such data at all",
        _deep_value,
    ),
    Rule(
        "bad-time",
        "error",
        "no usable timestamp, timestamp_epoch or _bsft_ts: the event cannot be placed in time",
        _bad_time,
    ),
    Rule(
        "future-time",
        "warning",
        "an event time over 5 minutes after now: a device clock ahead, or a wrong time zone",
        _future_time,
    ),
    Rule(
        "late-arrival",
        "warning",
        "received (_bsft_ts) over an hour after it happened (timestamp): an offline queue "
        "or a clock behind; triggers based on it fire late",
        _late_arrival,
    ),
    Rule(
        "event-name",
        "warning",
        "a name with a period, a digit, white space or over 64 characters: Blueshift's "
        "integrations reject or rewrite it",
        _event_name,
    ),
)


def lint(batch: Batch) -> list[Finding]:
    """Every built-in rule's findings over the batch (events sorted oldest first), unsorted."""
    return [
        finding(rule.id, rule.severity, batch, index, path, message)
        for rule in RULES
        for index, path, message in rule.check(batch)
    ]


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Errors first, then by event time: the events come sorted by time (those with none
    last), so their position is the time order, and the sort is stable within an event."""
    return sorted(findings, key=lambda f: (f.severity != "error", f.index))


def count_line(findings: Sequence[Finding], events: int) -> str:
    """`2 errors, 1 warning in 35 events`."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors

    def plural(n: int, word: str) -> str:
        return f"{n:,} {word}{'' if n == 1 else 's'}"

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(events, 'event')}"
