"""`--watch`: poll one customer within the hourly budget and hand over new events.

The plan is arithmetic on the budget: the calls left this hour, less one kept for the
user, spread over the hour, never more often than every 6 minutes by default. An
explicit interval that would run into the cap is refused, with the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from bsevents.app.result import FetchOptions
from bsevents.errors import RequestFailed, UsageProblem
from bsevents.model.events import Event, event_key
from bsevents.model.times import duration_text
from bsevents.model.words import counted
from bsevents.state.ledger.budget import WINDOW_SECONDS, Budget

if TYPE_CHECKING:
    from bsevents.app.context import Context

MIN_DEFAULT_INTERVAL = 360.0  # 6 minutes
KEEP = 1  # calls left for the user when a watch stops
MAX_INTERVAL = 86400.0  # a watch that polls less than daily is not watching


def parse_interval(text: str, limit: int) -> float | None:
    """`--watch`'s value as seconds (None for `auto`). Raises UsageProblem for text that is
    not an interval, or an interval that would run into the cap `limit`: checked before
    anything is spent."""
    from bsevents.model.times import duration_option

    if text == "auto":
        return None
    longest = (MAX_INTERVAL, "a day")
    requested = duration_option("--watch", text, longest=longest, example="30m, or plain --watch")
    per_hour = math.ceil(WINDOW_SECONDS / requested)
    per_hour_allowed = limit - KEEP
    if per_hour > per_hour_allowed:
        shortest = WINDOW_SECONDS / per_hour_allowed if per_hour_allowed > 0 else WINDOW_SECONDS
        raise UsageProblem(
            f"--watch {duration_text(requested)} would poll {per_hour} times an hour, but the "
            f"cap is {limit} calls an hour and one is kept for you ({per_hour_allowed} "
            "for the watch)",
            f"use --watch {duration_text(math.ceil(shortest))} or longer, or plain --watch to "
            "let bsevents pace itself",
        )
    return requested


def interval(requested: float | None, budget: Budget) -> float:
    """The polling interval for a budget: `requested` (checked by parse_interval), or by
    default the calls left, less the one kept, spread over the hour."""
    if requested is not None:
        return requested
    usable = max(budget.remaining - KEEP, 0)
    return max(MIN_DEFAULT_INTERVAL, WINDOW_SECONDS / max(usable, 1))


def _kept(budget: Budget, doing: str) -> str | None:
    """Why a watch does not poll (`stopped: 1 call left this hour, kept for you`), or None
    while polls are left."""
    if budget.remaining > KEEP:
        return None
    return f"{doing}: {counted(budget.remaining, 'call')} left this hour, kept for you"


def watch(
    ctx: Context,
    uuid: str,
    requested: float | None,
    *,
    timeout: float,
    on_new: Callable[[list[Event]], None],
    keep: Callable[[Event], bool] = lambda event: True,
    retries: int = 2,
) -> str:
    """Poll until the budget is down to the call kept for the user; return why it stopped.
    Ctrl-C (KeyboardInterrupt) propagates to the caller, which treats it as a clean stop."""
    from bsevents.app.budget import budget as current_budget
    from bsevents.app.fetch import fetch

    budget = current_budget(ctx)
    if budget.free_at is not None:
        # At the cap, or held after a 429: not one poll could go out.
        from bsevents.state.ledger.budget import refusal

        raise refusal(budget)
    every = interval(requested, budget)
    why = _kept(budget, "not watching")
    if why is not None:
        return why
    # Retries stop at the kept call: the watch never spends it, not even to retry a 503.
    baseline = fetch(ctx, uuid, FetchOptions(timeout=timeout, retries=retries, keep=KEEP))
    seen = {event_key(e) for e in baseline.events}
    # Counted after the baseline, which may have spent a call of its own.
    polls = max(current_budget(ctx).remaining - KEEP, 0)
    ctx.report.note(
        f"watching {uuid} every {duration_text(every)} · "
        f"{counted(polls, 'poll')} left this hour · "
        f"{counted(len(baseline.events), 'event')} so far · Ctrl-C to stop"
    )
    while True:
        # Checked before the sleep too: the last poll's answer is not kept waiting an
        # interval for a poll that cannot go out; and after it, for what others spent.
        why = _kept(current_budget(ctx), "stopped")
        if why is None:
            ctx.clock.sleep(every)
            why = _kept(current_budget(ctx), "stopped")
        if why is not None:
            return why
        try:
            result = fetch(
                ctx, uuid, FetchOptions(timeout=timeout, refresh=True, retries=retries, keep=KEEP)
            )
        except RequestFailed as error:
            # A server or network hiccup costs one poll, not the watch (the call is in
            # the ledger all the same); a refused key or the cap do stop it.
            ctx.report.warn(f"{error.message}; polling again in {duration_text(every)}")
            continue
        fresh = [e for e in result.events if event_key(e) not in seen]
        seen.update(event_key(e) for e in fresh)
        shown = [e for e in fresh if keep(e)]
        if shown:
            on_new(shown)
