"""Lint marks in the `events` views: the table and timeline mark with `!` the events the
built-in rules (and `--plan`) find fault with, and `--show` lists that event's findings
on stderr after its JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.model.events import Event
    from bsevents.query.lint import Finding
    from bsevents.query.plan import Plan

LEGEND = "! lint finding (bsevents lint)"


def findings_for(events: Sequence[Event], plan: Plan | None) -> list[Finding]:
    """Every finding over the whole response (duplicates need all of it), sorted."""
    from bsevents.query.lint import Batch, lint, sort_findings

    batch = Batch.of(events, time.time())
    found = lint(batch)
    if plan is not None:
        from bsevents.query.plan import check_plan

        found += check_plan(plan, batch)
    return sort_findings(found)


def flag_function(
    events: Sequence[Event], findings: Sequence[Finding]
) -> Callable[[Event], bool] | None:
    """True for the events with a finding; None when there are none."""
    if not findings:
        return None
    faulty = {id(events[f.index]) for f in findings}
    return lambda event: id(event) in faulty


def report(events: Sequence[Event], findings: Sequence[Finding], shown: Sequence[Event]) -> None:
    """The findings of the `shown` events, one line each on stderr."""
    wanted = {id(e) for e in shown}
    for f in findings:
        if id(events[f.index]) in wanted:
            where = f" at {f.path}" if f.path else ""
            ui.warn(f"lint {f.rule} ({f.severity}){where}: {f.message}")
