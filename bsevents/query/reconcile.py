"""Setting what a capture sent against what arrived: each sent event matched to at most
one arrived event, and a status for each. Pure.

A sent event with an `event_uuid` matches the arrived event with that uuid. Any other
matches an arrived event of the same name, of a compatible customer (a cookie, customer
id, email or device id present on both agrees), carrying a time no earlier than 5
minutes before the send and within the window after it: the one with the most
parameters equal, then the nearest in time.

Never quadratic: arrived events are indexed by uuid, by name in time order, and (for
each set of keys the sent events use) by their values on those keys, so a sent event
that arrived unchanged is found by one look-up and a walk out from its time; only the
sent events left over weigh candidates, at most NEAREST of them each, nearest first.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bsevents.model.event_time import event_time
from bsevents.model.events import Event
from bsevents.model.ids import uuid_of
from bsevents.model.sent import Sent
from bsevents.model.words import counted
from bsevents.query.compare import (
    Difference,
    arrived_key,
    compare,
    compatible,
    equal_count,
    identity_of,
    sent_key,
)

Status = Literal["arrived", "changed", "missing", "rejected", "blocked", "unsent"]
STATUSES: tuple[Status, ...] = ("arrived", "changed", "missing", "rejected", "blocked", "unsent")
EARLY = 300.0  # an arrived time may be this much before the send: clocks differ
DEFAULT_WINDOW = 3600.0
# The exact look-up widens in rounds, so that an event that arrived unchanged within
# seconds of its send is matched before another sent event, equal but minutes away,
# can claim it. The last round is the whole window.
ROUNDS = (2.0, 60.0, EARLY)
DOUBLE = 2.0  # a second copy of a matched event this close to it is a double send
NEAREST = 64  # candidates weighed for a sent event that matches none exactly
LOOKED_AT = 1024  # candidates looked at for one, compatible or not


@dataclass
class Outcome:
    """What became of one sent event (or, `unsent`, where one arrived event came from)."""

    status: Status
    name: str
    sent: Sent | None
    arrived: Event | None = None
    arrived_at: float | None = None
    differences: tuple[Difference, ...] = ()
    duplicates: int = 0

    @property
    def sent_at(self) -> float | None:
        return self.sent.sent_at if self.sent is not None else None

    @property
    def latency(self) -> float | None:
        """Seconds from the send to the time the arrived event carries."""
        if self.sent_at is None or self.arrived_at is None:
            return None
        return round(self.arrived_at - self.sent_at, 3)

    @property
    def moment(self) -> float | None:
        """Where it goes in time order: when it was sent (an unsent one: arrived)."""
        return self.sent_at if self.sent is not None else self.arrived_at


# -- the arrived events, indexed ------------------------------------------------------------


class _Pool:
    """Arrived events of one name (or one value key) in time order; a taken one leaves."""

    def __init__(self) -> None:
        self.items: list[tuple[float, int]] = []

    def nearest(self, at: float | None, window: float, early: float = EARLY) -> Iterator[int]:
        """Indices from the one nearest `at` outwards, within [at - early, at + window];
        every one in time order when `at` is None."""
        items = self.items
        if at is None:
            yield from [i for _, i in items]
            return
        low, high = at - early, at + window
        right = bisect.bisect_left(items, (at, -1))
        left = right - 1
        while True:
            go_left = left >= 0 and items[left][0] >= low
            go_right = right < len(items) and items[right][0] <= high
            if not (go_left or go_right):
                return
            if go_left and (not go_right or at - items[left][0] <= items[right][0] - at):
                yield items[left][1]
                left -= 1
            else:
                yield items[right][1]
                right += 1

    def remove(self, item: tuple[float, int]) -> None:
        place = bisect.bisect_left(self.items, item)
        if place < len(self.items) and self.items[place] == item:
            del self.items[place]


@dataclass
class _Book:
    """The arrived events, with what matching asks of them worked out once."""

    events: Sequence[Event]
    times: list[float | None] = field(default_factory=list)
    identities: list[dict[str, str]] = field(default_factory=list)
    by_name: dict[str, _Pool] = field(default_factory=dict)
    by_uuid: dict[str, list[int]] = field(default_factory=dict)
    pools_of: dict[int, list[_Pool]] = field(default_factory=dict)
    taken: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for index, event in enumerate(self.events):
            moment = event_time(event)
            self.times.append(moment)
            self.identities.append(identity_of(event))
            uuid = uuid_of(event).strip()  # as --show and lint compare ids
            if uuid:
                self.by_uuid.setdefault(uuid, []).append(index)
            name = event.get("event")
            if isinstance(name, str) and moment is not None:
                pool = self.by_name.setdefault(name, _Pool())
                pool.items.append((moment, index))
                self.pools_of.setdefault(index, []).append(pool)
        for pool in self.by_name.values():
            pool.items.sort()

    def take(self, index: int) -> None:
        self.taken.add(index)
        moment = self.times[index]
        if moment is None:
            return
        for pool in self.pools_of.get(index, ()):
            pool.remove((moment, index))

    def buckets(self, name: str, keys: tuple[str, ...], text: bool) -> dict[Any, _Pool]:
        """The events of `name` by their values on `keys`, each bucket in time order."""
        found: dict[Any, _Pool] = {}
        pool = self.by_name.get(name)
        for moment, index in pool.items if pool is not None else ():
            event = self.events[index]
            value = tuple(arrived_key(event, key, text) for key in keys)
            bucket = found.setdefault(value, _Pool())
            bucket.items.append((moment, index))
            self.pools_of[index].append(bucket)
        return found


@dataclass(frozen=True)
class _Shape:
    """What the exact look-up asks of one sent event, worked out once: its name, how
    its values compare, its keys and its values on them; `proven` when equal values on
    those keys prove it arrived as sent (no `_bsft_*` key left to compare)."""

    group: tuple[str, bool, tuple[str, ...]]
    value: tuple[Any, ...]
    proven: bool


def _shape(sent: Sent, sorted_keys: dict[tuple[str, ...], tuple[str, ...]]) -> _Shape:
    given = tuple(sent.params)
    keys = sorted_keys.get(given)
    if keys is None:
        keys = sorted_keys[given] = tuple(sorted(k for k in given if not k.startswith("_bsft_")))
    value = tuple(sent_key(sent, key) for key in keys)
    return _Shape((sent.name, sent.text, keys), value, len(keys) == len(given))


# -- matching -------------------------------------------------------------------------------


def reconcile(
    sent: Sequence[Sent],
    arrived: Sequence[Event],
    *,
    window: float = DEFAULT_WINDOW,
    span: tuple[float, float] | None = None,
    unsent: bool = False,
) -> list[Outcome]:
    """An outcome for each sent event, in time order; with `unsent`, also the arrived
    events within `span` that match nothing sent."""
    book = _Book(arrived)
    outcomes: dict[int, Outcome] = {}
    waiting: list[Sent] = []
    for one in sent:
        if not one.answered:
            outcomes[one.order] = Outcome("blocked", one.name, one)
        elif not one.accepted:
            outcomes[one.order] = Outcome("rejected", one.name, one)
        elif one.event_uuid is not None:
            outcomes[one.order] = _by_uuid(book, one)
        elif one.name:
            waiting.append(one)
        else:
            outcomes[one.order] = Outcome("missing", one.name, one)
    waiting.sort(key=_time_order)
    sorted_keys: dict[tuple[str, ...], tuple[str, ...]] = {}
    shapes = {one.order: _shape(one, sorted_keys) for one in waiting}
    left = _exact(book, waiting, shapes, window, outcomes)
    for one in left:
        outcomes[one.order] = _weigh(book, one, window)
    _count_copies(book, waiting, shapes, outcomes)
    found = [outcomes[one.order] for one in sent]
    if unsent and span is not None:
        found += _unsent(book, span)
    keys = [_outcome_order(outcome) for outcome in found]
    if any(later < earlier for earlier, later in itertools.pairwise(keys)):
        found = [outcome for _, outcome in sorted(zip(keys, found, strict=True), key=_first)]
    return found


def _first(pair: tuple[Any, Outcome]) -> Any:
    return pair[0]


def _time_order(sent: Sent) -> tuple[bool, float, int]:
    return (sent.at is None, sent.at or 0.0, sent.order)


def _outcome_order(outcome: Outcome) -> tuple[bool, float, float]:
    sent = outcome.sent
    if sent is None:
        moment = outcome.arrived_at
        return (moment is None, moment or 0.0, float("inf"))
    return (sent.sent_at is None, sent.sent_at or 0.0, sent.order)


def _matched(book: _Book, sent: Sent, index: int, differences: list[Difference]) -> Outcome:
    status: Status = "changed" if differences else "arrived"
    event = book.events[index]
    return Outcome(status, sent.name, sent, event, book.times[index], tuple(differences), 1)


def _by_uuid(book: _Book, sent: Sent) -> Outcome:
    """The sender's own id decides; every copy with it and its name counts (a double
    send). Arrived under the id with another name only, it is `changed`, the name being
    the difference: never `arrived` as what it is not (model.ids.copy_key)."""
    assert sent.event_uuid is not None
    found = book.by_uuid.get(sent.event_uuid, [])
    if not found:
        return Outcome("missing", sent.name, sent)
    copies = [i for i in found if book.events[i].get("event") == sent.name]
    first = (copies or found)[0]
    for index in copies or [first]:
        if index not in book.taken:
            book.take(index)
    differences = compare(sent, book.events[first])
    if not copies:
        renamed = book.events[first].get("event")
        differences.insert(0, Difference("event", sent.name, renamed, "value", "event"))
    outcome = _matched(book, sent, first, differences)
    outcome.duplicates = max(len(copies), 1)
    return outcome


def _exact(
    book: _Book,
    waiting: list[Sent],
    shapes: dict[int, _Shape],
    window: float,
    outcomes: dict[int, Outcome],
) -> list[Sent]:
    """Match the sent events that arrived unchanged: their values looked up, then the
    nearest in time, in rounds that widen to the window. Returns the others."""
    buckets: dict[tuple[str, bool, tuple[str, ...]], dict[Any, _Pool]] = {}
    for shape in shapes.values():
        if shape.group not in buckets:
            name, text, keys = shape.group
            buckets[shape.group] = book.buckets(name, keys, text)
    left = waiting
    for radius in (*ROUNDS, window):
        after, before = min(radius, window), min(radius, EARLY)
        still = []
        for one in left:
            shape = shapes[one.order]
            pool = buckets[shape.group].get(shape.value)
            index = None if pool is None else _first_exact(book, one, shape, pool, after, before)
            if index is None:
                still.append(one)
                continue
            book.take(index)
            outcomes[one.order] = _matched(book, one, index, [])
        left = still
    return left


def _first_exact(
    book: _Book, sent: Sent, shape: _Shape, pool: _Pool, after: float, before: float
) -> int | None:
    for looked, index in enumerate(pool.nearest(sent.at, after, before)):
        if looked >= LOOKED_AT:
            break
        if not compatible(sent.identity, book.identities[index]):
            continue
        if shape.proven or not compare(sent, book.events[index]):
            return index
    return None


def _weigh(book: _Book, sent: Sent, window: float) -> Outcome:
    """The candidate with the most parameters equal, then the nearest in time."""
    pool = book.by_name.get(sent.name)
    if pool is None:
        return Outcome("missing", sent.name, sent)
    best: tuple[int, float] | None = None
    chosen: int | None = None
    most = len(sent.params)
    weighed = 0
    for looked, index in enumerate(pool.nearest(sent.at, window)):
        if looked >= LOOKED_AT or weighed >= NEAREST:
            break
        if not compatible(sent.identity, book.identities[index]):
            continue
        weighed += 1
        moment = book.times[index]
        distance = abs(moment - sent.at) if moment is not None and sent.at is not None else 0.0
        score = (equal_count(sent, book.events[index]), -distance)
        if best is None or score > best:
            best, chosen = score, index
            if score[0] == most:
                break  # nothing further away can beat it
    if chosen is None:
        return Outcome("missing", sent.name, sent)
    book.take(chosen)
    return _matched(book, sent, chosen, compare(sent, book.events[chosen]))


def _count_copies(
    book: _Book, waiting: list[Sent], shapes: dict[int, _Shape], outcomes: dict[int, Outcome]
) -> None:
    """An arrived event left over that is a copy of one a sent event matched (same name,
    same values on the sent keys, a compatible customer, within DOUBLE seconds of it) is
    a second arrival of that send: a double send, counted in `duplicates`."""
    left = set(range(len(book.events))) - book.taken
    if not left:
        return
    copies: dict[tuple[Any, ...], list[Outcome]] = {}
    groups: dict[str, set[tuple[str, bool, tuple[str, ...]]]] = {}
    for one in waiting:
        outcome = outcomes[one.order]
        if outcome.arrived is None or outcome.arrived_at is None:
            continue
        shape = shapes[one.order]
        groups.setdefault(one.name, set()).add(shape.group)
        if outcome.status == "arrived":
            value = shape.value
        else:
            _, text, keys = shape.group
            value = tuple(arrived_key(outcome.arrived, key, text) for key in keys)
        copies.setdefault((shape.group, value), []).append(outcome)
    for index in sorted(left):
        event = book.events[index]
        name = event.get("event")
        moment = book.times[index]
        if moment is None or not isinstance(name, str):
            continue
        for group in groups.get(name, ()):
            value = tuple(arrived_key(event, key, group[1]) for key in group[2])
            owner = _copy_owner(book, index, moment, copies.get((group, value), []))
            if owner is not None:
                owner.duplicates += 1
                book.take(index)
                break


def _copy_owner(book: _Book, index: int, moment: float, owners: list[Outcome]) -> Outcome | None:
    best: Outcome | None = None
    for owner in owners:
        assert owner.sent is not None
        assert owner.arrived_at is not None
        if abs(moment - owner.arrived_at) > DOUBLE:
            continue
        if not compatible(owner.sent.identity, book.identities[index]):
            continue
        if best is None or _distance(owner, moment) < _distance(best, moment):
            best = owner
    return best


def _distance(outcome: Outcome, moment: float) -> float:
    return abs(moment - outcome.arrived_at) if outcome.arrived_at is not None else 0.0


def _unsent(book: _Book, span: tuple[float, float]) -> list[Outcome]:
    first, last = span
    found = []
    for index, event in enumerate(book.events):
        moment = book.times[index]
        if index in book.taken or moment is None or not first <= moment <= last:
            continue
        name = event.get("event")
        shown = name if isinstance(name, str) else ""
        found.append(Outcome("unsent", shown, None, event, moment))
    return found


# -- what it comes to -----------------------------------------------------------------------


def summary(outcomes: Sequence[Outcome]) -> str:
    """`9 sent · 6 arrived · 1 changed · 1 missing · 1 blocked`."""
    counts = Counter(outcome.status for outcome in outcomes)
    sent = sum(counts[status] for status in STATUSES if status != "unsent")
    parts = [f"{sent} sent", f"{counts['arrived']} arrived"]
    parts += [f"{counts[s]} {s}" for s in STATUSES[1:] if counts[s]]
    return " · ".join(parts)


def not_arrived(outcomes: Sequence[Outcome], *, strict: bool = False) -> bool:
    """True when a sent event is missing, rejected or blocked (or, `strict`, changed)."""
    bad = {"missing", "rejected", "blocked"} | ({"changed"} if strict else set())
    return any(outcome.status in bad for outcome in outcomes)


def still_missing(sent: Sequence[Sent], arrived: Sequence[Event], window: float) -> str | None:
    """What is missing from `arrived` of what was accepted (`what was sent (2 of 7
    events)`), or None when nothing is: what `--wait` waits for, and what a stored copy
    is asked again for."""
    outcomes = reconcile(sent, arrived, window=window)
    missing = sum(1 for outcome in outcomes if outcome.status == "missing")
    if not missing:
        return None
    return f"what was sent ({missing} of {counted(len(outcomes), 'event')})"
