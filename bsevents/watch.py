"""`--watch`: poll one customer within the hourly budget and hand over new events.

The plan is arithmetic on the budget: the calls left this hour, less one kept for the
user, spread over the hour, never more often than every 6 minutes by default. An
explicit interval that would run into the cap is refused, with the arithmetic.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bsevents.errors import UsageProblem
from bsevents.events import Event, event_key
from bsevents.ledger import WINDOW_SECONDS, Budget
from bsevents.source import FetchOptions, Notify, get_budget, get_customer_events
from bsevents.timefmt import duration_text

if TYPE_CHECKING:
    from bsevents.settings import Resolved

MIN_DEFAULT_INTERVAL = 360.0  # 6 minutes
KEEP = 1  # calls left for the user when a watch stops


@dataclass(frozen=True)
class WatchPlan:
    interval: float
    polls: int  # polls the budget allows this hour


def plan(requested: float | None, budget: Budget) -> WatchPlan:
    """The polling interval for a budget. Raises UsageProblem for an interval that would
    run into the cap."""
    usable = budget.remaining - KEEP
    per_hour_allowed = budget.limit - KEEP
    if requested is None:
        interval = max(MIN_DEFAULT_INTERVAL, WINDOW_SECONDS / max(usable, 1))
        return WatchPlan(interval, max(usable, 0))
    if requested <= 0:
        raise UsageProblem("the watch interval must be more than 0 seconds")
    per_hour = math.ceil(WINDOW_SECONDS / requested)
    if per_hour > per_hour_allowed:
        shortest = WINDOW_SECONDS / per_hour_allowed if per_hour_allowed > 0 else WINDOW_SECONDS
        raise UsageProblem(
            f"--watch {duration_text(requested)} would poll {per_hour} times an hour, but the "
            f"cap is {budget.limit} calls an hour and one is kept for you ({per_hour_allowed} "
            "for the watch)",
            f"use --watch {duration_text(math.ceil(shortest))} or longer, or plain --watch to "
            "let bsevents pace itself",
        )
    return WatchPlan(requested, max(usable, 0))


def watch(
    settings: Resolved,
    uuid: str,
    requested: float | None,
    *,
    timeout: float,
    on_new: Callable[[list[Event]], None],
    notify: Notify,
    warn: Notify,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Poll until the budget is down to the call kept for the user; return why it stopped.
    Ctrl-C (KeyboardInterrupt) propagates to the caller, which treats it as a clean stop."""
    budget = get_budget(settings, warn=warn)
    chosen = plan(requested, budget)
    if budget.remaining <= KEEP:
        return f"not watching: {budget.remaining} call left this hour, kept for you"
    baseline = get_customer_events(
        settings, uuid, FetchOptions(timeout=timeout), notify=notify, warn=warn
    )
    seen = {event_key(e) for e in baseline.events}
    notify(
        f"watching {uuid} every {duration_text(chosen.interval)} · {chosen.polls} polls left "
        f"this hour · {len(baseline.events)} events so far · Ctrl-C to stop"
    )
    while True:
        sleep(chosen.interval)
        budget = get_budget(settings, warn=warn)
        if budget.remaining <= KEEP:
            return f"stopped: {budget.remaining} call left this hour, kept for you"
        result = get_customer_events(
            settings, uuid, FetchOptions(timeout=timeout, refresh=True), notify=notify, warn=warn
        )
        fresh = [e for e in result.events if event_key(e) not in seen]
        seen.update(event_key(e) for e in fresh)
        if fresh:
            on_new(fresh)
