"""Lint marks in the `events` views: the table and timeline mark with `!` the events the
built-in rules (and `--plan`) find fault with, and `--show` lists that event's findings
on stderr after its JSON.

The marks ask each rule about the events on screen only: a rule that compares events
(double sends, type drift) reads the whole response, but no finding is made for the
other events, so a 100,000-event response costs little more than its 200 rows."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.model.events import Event
    from bsevents.model.ids import ShortIds
    from bsevents.query.lint import Finding
    from bsevents.query.plan import Plan


@dataclass(frozen=True)
class Marks:
    """What the views put beside the events they show, worked out over the whole
    response: the `!` of the events a rule finds fault with (None: none on screen), and
    the Id column's prefixes, unique within the response."""

    flagged: Callable[[Event], bool] | None
    ids: ShortIds


def marks_for(events: Sequence[Event], shown: Sequence[Event], plan: Plan | None) -> Marks:
    """The marks of the `shown` events, which are some of `events` (the response)."""
    from bsevents.model.ids import ShortIds
    from bsevents.query.lint import Batch, flagged

    batch = Batch.of(events, time.time())
    wanted = _positions(events, shown)
    faulty = flagged(batch, wanted)
    if plan is not None:
        from bsevents.query.plan import check_plan

        faulty.update(f.index for f in check_plan(plan, batch, wanted))
    marked = {id(events[i]) for i in faulty}
    return Marks((lambda event: id(event) in marked) if marked else None, ShortIds(batch.id_counts))


def findings_for(
    events: Sequence[Event], plan: Plan | None, shown: Sequence[Event]
) -> list[Finding]:
    """The findings, with messages, of the `shown` events (duplicates need all of the
    response to be read), sorted."""
    from bsevents.query.lint import Batch
    from bsevents.query.plan import findings

    return findings(Batch.of(events, time.time()), plan, _positions(events, shown))


def _positions(events: Sequence[Event], shown: Sequence[Event]) -> set[int]:
    """Where each of `shown` is in `events` (the same objects)."""
    wanted = {id(e) for e in shown}
    return {i for i, event in enumerate(events) if id(event) in wanted}


def report(findings: Sequence[Finding], events: Sequence[Event], shown: Sequence[Event]) -> None:
    """The findings about the `shown` events of `events`, one line each on stderr. Of
    several shown events (one event_uuid on each), a line that holds for each of them is
    said once, and one that holds for some names the events it is about."""
    from bsevents.model.ids import copy_key

    order = sorted(_positions(events, shown)) if len(shown) > 1 else []
    # A finding holds for every copy of its event (sort_findings keeps the first's alone).
    copies: dict[object, list[int]] = {}
    for index in order:
        copies.setdefault(copy_key(events[index]), []).append(index)
    about: dict[tuple[str, str, str, str], list[int]] = {}
    for f in findings:
        about.setdefault((f.rule, f.severity, f.path, f.message), []).append(f.index)
    for (rule, severity, path, message), indices in about.items():
        where = f" at {path}" if path else ""
        line = f"lint {rule} ({severity}){where}: {message}"
        covered = {i for index in indices for i in copies.get(copy_key(events[index]), [index])}
        if not order or set(order) <= covered:
            ui.warn(line)
            continue
        for index in indices:
            group = copies.get(copy_key(events[index]), [index])
            ui.warn(f"{_which(events, order, group)}: {line}")


def _which(events: Sequence[Event], order: list[int], indices: list[int]) -> str:
    """`the "signup" event (3 of 3)`: shown events, by position oldest first."""
    from bsevents.model.sanitize import shorten

    name = events[indices[0]].get("event")
    label = json.dumps(shorten(name, 40), ensure_ascii=False) if isinstance(name, str) else "an"
    places = " and ".join(str(order.index(i) + 1) for i in indices if i in order)
    return f"the {label} event ({places} of {len(order)})"
