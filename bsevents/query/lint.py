"""Linting events: built-in rules as pure functions over sorted events, giving findings.

Each rule is asked about some of the events (`lint`: all of them; the `!` marks of a view:
the ones on screen) and yields the problems it finds there. Rules that compare events
(double sends, type drift) read the whole list, but write messages only for the events
asked about, so marking 200 rows of 100,000 events costs no 100,000 messages. Nothing here
prints. A tracking plan's checks (`plan.py`) produce findings of the same shape, and
`sort_findings` orders them all: errors first, then by event time, each once.
"""

from __future__ import annotations

import json
import math
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from bsevents.model.event_time import TimeDoubt, iso_seconds, read_time
from bsevents.model.events import Event, custom_fields
from bsevents.model.ids import copy_key, shown_uuid, uuid_of
from bsevents.model.json_text import MAX_DEPTH, TOO_DEEP, TYPE_NAMES, summarised_path
from bsevents.model.names import SOURCE, judge
from bsevents.model.times import iso_utc
from bsevents.model.words import and_list, counted

Severity = Literal["error", "warning"]
FUTURE_SLACK = 5 * 60  # seconds a clock may run ahead before an event counts as future
LATE_AFTER = 3600  # seconds between happening and arrival before an event counts as late
NEAR_WINDOW = 2.0  # seconds within which two equal events look double-fired
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
    """The events being linted, each one's time read once (rules share them) with what
    casts doubt on it, and the moment of the lint."""

    events: Sequence[Event]
    times: list[float | None]
    now: float
    doubts: list[TimeDoubt | None]

    @classmethod
    def of(cls, events: Sequence[Event], now: float) -> Batch:
        read = [read_time(e) for e in events]
        return cls(events, [t for t, _ in read], now, [d for _, d in read])

    @cached_property
    def ids(self) -> list[str]:
        """Each event's event_uuid as `--show` compares them ("" for none)."""
        return [uuid_of(e) for e in self.events]

    @cached_property
    def id_counts(self) -> Counter[str]:
        counts = Counter(self.ids)
        counts.pop("", None)
        return counts

    @cached_property
    def repeats(self) -> list[bool]:
        """True for a later copy of a double-sent event (model.ids.copy_key)."""
        seen: set[tuple[str, str]] = set()
        out = []
        for event, uuid in zip(self.events, self.ids, strict=True):
            key = copy_key(event, uuid)
            out.append(key is not None and key in seen)
            if key is not None:
                seen.add(key)
        return out


# A rule yields (index of the event, dotted path, message) for each problem it finds in
# the events `only` names (all of them for `lint`, the ones on screen for the marks).
# Rules that compare events read all of them, but make messages for `only` alone.
Check = Callable[[Batch, Collection[int]], Iterator[tuple[int, str, str]]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    why: str  # one line, also in the README
    check: Check


def finding(
    rule: str, severity: Severity, batch: Batch, index: int, path: str, message: str
) -> Finding:
    """A Finding about the batch's event `index`, with the event's identity filled in."""
    event = batch.events[index]
    name = event.get("event")
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    return Finding(
        rule=rule,
        severity=severity,
        index=index,
        event_uuid=shown_uuid(event) or None,  # a number as the JSON text the table shows
        event=name if isinstance(name, str) else None,
        timestamp=iso_utc(batch.times[index]),
        path=path,
        message=message,
    )


def _id_text(value: Any) -> str | None:
    """A non-string event_uuid (a number) as the JSON text the table shows."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def _quote(value: str, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 2] + '…"'


def _duplicate_uuid(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    # Compared as --show compares them: ignoring letter case, a number as its JSON text.
    # Every copy is named; sort_findings keeps the first copy's finding alone.
    # Copies share a name too (model.ids.copy_key): events under one id with different
    # names are different events given one id, not a double send, and the message says so.
    ids, counts = batch.ids, batch.id_counts
    wanted = [i for i in only if ids[i] and counts[ids[i]] > 1]
    if not wanted:
        return
    # The names under each shared id, in one pass over the response.
    shared = {ids[i] for i in wanted}
    names: dict[str, Counter[str]] = {uuid: Counter() for uuid in shared}
    for index, uuid in enumerate(ids):
        if uuid in shared:
            name = batch.events[index].get("event")
            names[uuid][name if isinstance(name, str) else repr(name)] += 1
    messages = {uuid: _shared_id_message(names[uuid], counts[uuid]) for uuid in shared}
    for index in wanted:
        yield index, "event_uuid", messages[ids[index]]


def _shared_id_message(names: Counter[str], count: int) -> str:
    if len(names) == 1:
        return f"this event_uuid is here {count} times (a double send); expected each event once"
    parts = [f"{_quote(name, 40)}{f' ×{n}' if n > 1 else ''}" for name, n in names.items()]
    doubled = " (×N: a double send)" if any(n > 1 for n in names.values()) else ""
    return (
        f"this event_uuid is here {count} times, on {len(names)} different events: "
        f"{', '.join(parts)}{doubled}; expected one event_uuid per event"
    )


def _near_duplicate(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    events, times = batch.events, batch.times
    # Per name, the events of the last NEAR_WINDOW seconds (events come oldest first):
    # only an event with a same-name neighbour there has its parameters compared, so a
    # response pays for a few fingerprints, not one per event.
    recent: dict[str, deque[_Seen]] = {}
    # For each (name, parameters) compared: the latest event, and the latest one whose
    # uuid differs from it. That pair is all a later event can match, and a burst of
    # thousands of events at one moment costs one lookup each, not a scan.
    latest: dict[tuple[str, str], tuple[_Seen, _Seen | None]] = {}
    for index, event in enumerate(events):
        name, moment = event.get("event"), times[index]
        if not isinstance(name, str) or moment is None:
            continue
        # Ids compared as --show compares them (ABC is abc); an event without one is an
        # event of its own, never "the same id" as another without one.
        now = _Seen(index, moment, batch.ids[index] or f"#{index}")
        window = recent.setdefault(name, deque())
        while window and moment - window[0].moment > NEAR_WINDOW:
            window.popleft()
        if window:
            # Every event in the window was compared when the one after it came, but
            # the oldest, which came alone.
            if len(window) == 1 and not window[0].compared:
                _remember(latest, _key(events[window[0].index]), window[0])
            key = _key(event)
            last, other = latest.get(key, (None, None))
            match = last if last is not None and last.uuid != now.uuid else other
            if match is not None and moment - match.moment <= NEAR_WINDOW and index in only:
                earlier = shown_uuid(events[match.index])
                what = f"event {_quote(earlier)}" if earlier else "an event with no event_uuid"
                yield (
                    index,
                    "",
                    f"same {_quote(name)} with the same parameters "
                    f"{moment - match.moment:.1f} s after {what} "
                    "(a double-fired tag?); expected one event",
                )
            _remember(latest, key, now)
        window.append(now)


@dataclass(slots=True)
class _Seen:
    index: int
    moment: float
    uuid: str
    compared: bool = False


def _key(event: Event) -> tuple[str, str]:
    return event["event"], _fingerprint(custom_fields(event))


def _remember(
    latest: dict[tuple[str, str], tuple[_Seen, _Seen | None]], key: tuple[str, str], now: _Seen
) -> None:
    now.compared = True
    last, other = latest.get(key, (None, None))
    if last is None:
        latest[key] = (now, None)
    elif last.uuid != now.uuid:
        latest[key] = (now, last)
    else:
        latest[key] = (now, other)


def _fingerprint(parameters: dict[str, Any]) -> str:
    """The parameters as canonical JSON text: equal text, equal parameters."""
    try:
        return json.dumps(parameters, sort_keys=True, ensure_ascii=True, default=repr)
    except (RecursionError, ValueError):  # too deep to compare: never a near-duplicate
        return f"unique-{id(parameters)}"


def _type_drift(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    # One pass: events of one name that have the same keys with values of the same
    # Python types form a group, told by a tuple made in C, so 100,000 events cost
    # one dictionary lookup each rather than one per key. A double send counts once.
    groups: dict[tuple[str, tuple[str, ...], tuple[type, ...]], list[int]] = {}
    repeats = batch.repeats
    for index, event in enumerate(batch.events):
        name = event.get("event")
        if not isinstance(name, str) or repeats[index]:
            continue  # an object or list as a name: unhashable, no drift
        shape = (name, tuple(event), tuple(map(type, event.values())))
        members = groups.get(shape)
        if members is None:
            groups[shape] = [index]
        else:
            members.append(index)
    # (name, key) -> JSON type -> events, the types in the order first seen: groups are
    # made in the order of their first event.
    tally: dict[tuple[str, str], dict[str, int]] = {}
    for (name, keys, kinds), members in groups.items():
        for key, kind in zip(keys, kinds, strict=True):
            if kind is not _NULL:
                seen = tally.setdefault((name, key), {})
                label = TYPE_NAMES.get(kind, "object")
                seen[label] = seen.get(label, 0) + len(members)
    # The most common type is taken as meant (the first seen when tied).
    usual = {
        pair: max(seen.items(), key=lambda item: item[1])
        for pair, seen in tally.items()
        if len(seen) > 1
    }
    if not usual:
        return
    for (name, keys, kinds), members in groups.items():
        drifted = []
        for key, kind in zip(keys, kinds, strict=True):
            meant = usual.get((name, key))
            label = TYPE_NAMES.get(kind, "object")
            if meant is not None and kind is not _NULL and label != meant[0]:
                drifted.append((key, label, meant))
        for key, label, (meant_label, count) in drifted:
            for index in members:
                if index in only:
                    yield (
                        index,
                        key,
                        f"{key} is a {label} here but a {meant_label} in "
                        f"{counted(count, f'other {_quote(name)} event')}; expected one type",
                    )


_NULL = type(None)


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


def _placeholder_value(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    events = batch.events
    for index in only:
        for path, text in _placeholders(events[index], "", 0):
            yield (
                index,
                path,
                f"the value is the text {_quote(text)}, left by a programming mistake; "
                "expected a real value, or the key left out",
            )


def _deep_value(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    events = batch.events
    for index in only:
        path = summarised_path(events[index])
        if path is not None:
            yield (
                index,
                path,
                f"arrays or objects nested more than {MAX_DEPTH} levels deep, shown from here "
                f"as {TOO_DEEP}; expected a few levels",
            )


def _bad_time(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    times, doubts = batch.times, batch.doubts
    for index in only:
        doubt = doubts[index]
        if doubt is not None:
            yield index, doubt.field, _doubt_message(doubt, times[index])
        elif times[index] is None:
            yield (
                index,
                "",
                "no usable time: timestamp, timestamp_epoch and _bsft_ts are missing or not "
                "dates; expected an ISO 8601 timestamp",
            )


def _doubt_message(doubt: TimeDoubt, moment: float | None) -> str:
    """`timestamp "…" is not a time; the event is placed by _bsft_ts, 2021-08-25T06:06:59Z,
    instead; expected an ISO 8601 timestamp`, and the like."""
    sent = _shown_value(doubt.value)
    if doubt.off_by is not None:
        direction = "after" if doubt.off_by > 0 else "before"
        return (
            f"timestamp_epoch {sent} is {_span(abs(doubt.off_by))} {direction} the timestamp; "
            "the event is placed by timestamp; expected both to name the same moment"
        )
    expected = (
        "an ISO 8601 timestamp" if doubt.field == "timestamp" else "epoch seconds, a plain number"
    )
    if doubt.used is None:
        return (
            f"{doubt.field} {sent} is not a time, and no other time field is usable: "
            f"the event cannot be placed in time; expected {expected}"
        )
    return (
        f"{doubt.field} {sent} is not a time; the event is placed by {doubt.used}, "
        f"{iso_utc(moment)}, instead; expected {expected}"
    )


def _shown_value(value: Any) -> str:
    """A value as JSON text, cut: what the event holds, quotes and escapes included."""
    if isinstance(value, str):
        return _quote(value)
    text = _id_text(value) or repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _time_field(event: Event) -> str:
    for key in ("timestamp", "timestamp_epoch", "_bsft_ts"):
        if key in event:
            return key
    return ""


def _future_time(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    now, times = batch.now, batch.times
    for index in only:
        moment = times[index]
        if moment is not None and moment > now + FUTURE_SLACK:
            yield (
                index,
                _time_field(batch.events[index]),
                f"the event time is {_span(moment - now)} after the lint ran; "
                "expected a time in the past (a clock ahead?)",
            )


def _same_utc_hour(first: str, second: str) -> bool:
    """Both UTC (`Z`) times within the same clock hour: `2026-11-20T10`."""
    return first.endswith("Z") and second.endswith("Z") and first[:13] == second[:13]


def _late_arrival(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    events = batch.events
    for index in only:
        event = events[index]
        stored, stamp = event.get("_bsft_ts"), event.get("timestamp")
        if type(stored) is str and type(stamp) is str and _same_utc_hour(stored, stamp):
            continue  # the usual case, told apart without parsing two dates
        received = iso_seconds(stored)
        if received is None:
            continue
        happened = iso_seconds(stamp)
        if happened is not None and received is not None and received - happened > LATE_AFTER:
            yield (
                index,
                "_bsft_ts",
                f"Blueshift received the event {_span(received - happened)} after its timestamp; "
                "expected within an hour (an offline queue, or a clock behind?)",
            )


def _event_name(batch: Batch, only: Collection[int]) -> Iterator[tuple[int, str, str]]:
    verdicts: dict[str, str | None] = {}  # a customer has few names and many events
    events = batch.events
    for index in only:
        name = events[index].get("event")
        if not isinstance(name, str):
            continue
        if name not in verdicts:
            verdicts[name] = _name_problem(name)
        problem = verdicts[name]
        if problem is not None:
            yield index, "event", problem


def _name_problem(name: str) -> str | None:
    verdict = judge(name)
    if verdict.ok:
        return None
    return f"the name {_quote(name)} has {and_list(verdict.problems())}; {SOURCE}"


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
        "the same event_uuid more than once: the event was sent twice and counts twice, or "
        "(under different names) different events were given one id",
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
        "a timestamp that is not a time (the event is placed by timestamp_epoch or _bsft_ts "
        "instead), a timestamp_epoch over a minute from it, or no usable time at all",
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
        "a name RudderStack's Blueshift destination refuses (a period, a digit, over 64 "
        "characters) or rewrites (white space), or with a control character",
        _event_name,
    ),
)


def lint(batch: Batch, only: Collection[int] | None = None) -> list[Finding]:
    """Every built-in rule's findings over the batch (events sorted oldest first), with
    messages, unsorted: about every event, or the events `only` names (`--show`)."""
    wanted = range(len(batch.events)) if only is None else only
    return [
        finding(rule.id, rule.severity, batch, index, path, message)
        for rule in RULES
        for index, path, message in rule.check(batch, wanted)
    ]


def flagged(batch: Batch, wanted: Collection[int]) -> set[int]:
    """Which of the events `wanted` names any built-in rule finds fault with: the yes or
    no of the `!` marks. Rules that compare events read them all, but no finding is made
    and no message written except for the events asked about."""
    out: set[int] = set()
    for rule in RULES:
        out.update(index for index, _path, _message in rule.check(batch, wanted))
    return out


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Errors first, then by event time: the events come sorted by time (those with none
    last), so their position is the time order, and the sort is stable within an event.
    A later copy of a double-sent event repeats none of its first copy's findings: each
    is listed once (the duplicate-uuid one says how many copies there are)."""
    ordered = sorted(findings, key=lambda f: (f.severity != "error", f.index))
    seen: set[tuple[str, str | None, str, str, str]] = set()
    out = []
    for f in ordered:
        if f.event_uuid:  # copies: the same event_uuid and name (model.ids.copy_key)
            key = (f.event_uuid.lower(), f.event, f.rule, f.path, f.message)
            if key in seen:
                continue
            seen.add(key)
        out.append(f)
    return out


def count_line(findings: Sequence[Finding], events: int) -> str:
    """`2 errors, 1 warning in 35 events`."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    found = f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
    return f"{found} in {counted(events, 'event')}"
