"""Lint marks in the `events` views: the table and timeline mark with `!` the events the
built-in rules (and `--plan`) find fault with, and `--show` lists that event's findings
on stderr after its JSON.

The marks ask each rule about the events on screen only: a rule that compares events
(double sends, type drift) reads the whole response, but no finding is made for the
other events, so a 100,000-event response costs little more than its 200 rows."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.model.events import Event
    from bsevents.model.ids import ShortIds
    from bsevents.query.lint import Batch, Finding
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
        faulty.update(f.index for f in _plan_findings(plan, batch) if f.index in wanted)
    marked = {id(events[i]) for i in faulty}
    return Marks((lambda event: id(event) in marked) if marked else None, ShortIds(batch.id_counts))


def findings_for(
    events: Sequence[Event], plan: Plan | None, shown: Sequence[Event]
) -> list[Finding]:
    """The findings, with messages, of the `shown` events (duplicates need all of the
    response to be read), sorted."""
    from bsevents.query.lint import Batch, lint, sort_findings

    batch = Batch.of(events, time.time())
    wanted = _positions(events, shown)
    found = lint(batch, wanted)
    if plan is not None:
        found += [f for f in _plan_findings(plan, batch) if f.index in wanted]
    return sort_findings(found)


def _plan_findings(plan: Plan, batch: Batch) -> list[Finding]:
    from bsevents.query.plan import check_plan

    return check_plan(plan, batch)


def _positions(events: Sequence[Event], shown: Sequence[Event]) -> set[int]:
    """Where each of `shown` is in `events` (the same objects)."""
    wanted = {id(e) for e in shown}
    return {i for i, event in enumerate(events) if id(event) in wanted}


def report(findings: Sequence[Finding]) -> None:
    """The findings, one line each on stderr."""
    for f in findings:
        where = f" at {f.path}" if f.path else ""
        ui.warn(f"lint {f.rule} ({f.severity}){where}: {f.message}")
