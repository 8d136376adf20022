"""`--wait DURATION` (and `send --wait`): ask until an event passes (`reconcile --wait`:
until the answer holds every sent event), treating calls as the scarce thing they are
(10 an hour, shared by everything a team runs).

The pacing, from the start (or from the send, for `send --wait`):
- the first answer follows the usual cache rules (a fresh stored copy costs nothing);
  after a send, the first poll comes no sooner than FIRST_POLL seconds, or the median
  of the round trips recorded for this account when that is longer: an event is not in
  show_events the moment it is sent;
- the interval then doubles (10, 20, 40, 80 s …), and one last poll goes out at the
  deadline when the next one would come after it;
- a wait spends at most half of the calls left when it starts (at least one), and never
  the last one (watch.KEEP), so a failing CI check cannot drain the team's hour;
- no poll while the budget is at the cap or held after a 429.
So a 20 s wait spends at most 3 calls (2 after a send), a 60 s wait 4, a 15-minute wait 5
of a full budget. A poll that fails (network, 5xx, a 429) costs that poll, not the wait.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bsevents.app.result import EventsResult, FetchOptions
from bsevents.app.watch import KEEP
from bsevents.errors import AnswerIsNo, NetworkError, RateLimited, RequestFailed
from bsevents.model.times import clock_and_wait, duration_text
from bsevents.model.words import counted, with_article

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.app.result import Wait
    from bsevents.state.ledger.budget import Budget

FIRST_POLL = 10.0  # seconds between polls at first; the interval doubles after each
LAST_GAP = 5.0  # the poll at the deadline only when it is at least this after the last
MAX_WAIT = 86400.0


def parse_wait(text: str) -> float:
    """`--wait`'s value in seconds. Raises UsageProblem before anything is spent."""
    from bsevents.model.times import duration_option

    return duration_option("--wait", text, longest=(MAX_WAIT, "a day"), example="15m")


def allowance(remaining: int) -> int:
    """The calls a wait may spend when `remaining` are left: half (at least one), and
    never the last one. 0 when none can be spent."""
    return max(0, min(max(1, remaining // 2), remaining - KEEP))


def schedule(first: float, seconds: float, calls: int, *, answered_at_start: bool) -> list[float]:
    """The moments (seconds after the start) of the polls a wait of `seconds` makes with
    `calls` to spend, the first interval being `first`: a first answer at 0 unless a send
    came before (then the first poll is at `first`), the interval doubling after each
    poll, and a last poll at the deadline when it is at least LAST_GAP after the one
    before. Pure arithmetic, for the plan and its tests."""
    moments = [0.0] if answered_at_start else []
    at, step = first, first
    while at < seconds:
        moments.append(at)
        step *= 2
        at += step
    if not moments or (seconds - moments[-1] >= LAST_GAP and moments[-1] < seconds):
        moments.append(seconds)
    return moments[:calls]


@dataclass(frozen=True)
class Plan:
    """What a wait will spend: its schedule (one poll at each moment), of the calls left."""

    moments: list[float]
    left: int  # calls left when it started


def plan_wait(ctx: Context, seconds: float, *, after_send: bool, spend_first: int = 0) -> Plan:
    """The plan for a wait of `seconds` (after a send: its first poll comes later) from
    the budget now, less `spend_first` calls that will be spent before it (a live first
    answer). Raises RateLimited when no call could be spent on it (the last one is kept):
    before a `send`, nothing is sent then."""
    from bsevents.app.budget import budget as current_budget

    budget = current_budget(ctx)
    left = budget.remaining - spend_first
    calls = allowance(left) if budget.free_at is None else 0
    if calls == 0:
        raise _nothing_to_wait_with(budget, spend_first)
    first = max(FIRST_POLL, _median_round_trip(ctx)) if after_send else FIRST_POLL
    moments = schedule(first, seconds, calls, answered_at_start=not after_send)
    return Plan(moments, budget.remaining)


def _nothing_to_wait_with(budget: Budget, spend_first: int = 0) -> RateLimited:
    if budget.free_at is not None:
        when = clock_and_wait(budget.free_at, budget.now)
        return RateLimited(
            f"no call can be made until {when}, so there is nothing to wait with",
            "try again then",
        )
    slot = budget.next_slot_at
    later = f"the next call frees at {clock_and_wait(slot, budget.now)}" if slot else "later"
    left = counted(budget.remaining, "call")
    if spend_first:
        return RateLimited(
            f"{left} left this hour: the first look at the customer's events takes one and "
            "the last is kept for you, so there is nothing to wait with",
            later,
        )
    return RateLimited(
        f"{left} left this hour, kept for you, so there is nothing to wait with", later
    )


def _median_round_trip(ctx: Context) -> float:
    from bsevents.state.round_trips import median_round_trip

    return median_round_trip(ctx.account) or 0.0


def wait_for(ctx: Context, uuid: str, wait: Wait, options: FetchOptions) -> EventsResult:
    """Fetch (by the usual cache rules, unless after a send), then poll on the plan until
    an event passes. Raises AnswerIsNo at the deadline or once the allowance is spent,
    saying what was looked for and the calls spent."""
    clock = ctx.clock
    after_send = wait.sent_at is not None
    started = wait.sent_at if wait.sent_at is not None else clock.monotonic()
    plan = _plan_or_free_look(ctx, uuid, wait, options)
    if plan is None:  # no call to spend, but a fresh stored copy to look at for free
        return _free_look(ctx, uuid, wait, options)
    first = replace(options, retries=0)  # the next poll is the retry
    poll = FetchOptions(timeout=options.timeout, refresh=True, retries=0)
    spent = 0
    told = False
    last: EventsResult | None = None
    for index, moment in enumerate(plan.moments):
        if after_send and not told:
            _say_plan(ctx, uuid, wait, plan, started + moment)
            told = True
        delay = started + moment - clock.monotonic()
        if delay > 0:
            clock.sleep(delay)
        if index == 0 and not after_send:
            result, cost = _one_answer(ctx, uuid, first)
        else:
            result, cost = _poll(ctx, uuid, poll)
        spent += cost
        if result is not None:
            last = result
            if result.origin == "cache" and not wait.found(result.events):
                _say_copy(ctx, result)
        if result is not None and wait.found(result.events):
            if spent or clock.monotonic() - started >= 1:
                ctx.report.note(
                    f"found after {clock.monotonic() - started:.0f} s · {counted(spent, 'call')}"
                )
            return result
        if index + 1 < len(plan.moments):
            following = started + plan.moments[index + 1]
            if not told:
                _say_plan(ctx, uuid, wait, plan, following)
                told = True
            else:
                ctx.report.note(
                    f"not there yet · {counted(spent, 'call')} spent · next poll at "
                    f"{_when(ctx, following)}"
                )
    elapsed = clock.monotonic() - started
    if elapsed < wait.seconds - LAST_GAP:
        why = (
            f"after {duration_text(round(elapsed))} · {counted(spent, 'call')} spent, the "
            f"most a wait may spend of the {plan.left} left this hour"
        )
    else:
        why = f"within {duration_text(wait.seconds)} · {counted(spent, 'call')} spent"
    raise WaitExpired(f"no {wait.looked_for} for customer {uuid} {why}", why=why, last=last)


def _plan_or_free_look(ctx: Context, uuid: str, wait: Wait, options: FetchOptions) -> Plan | None:
    """The wait's plan; None when no call may be spent but the first answer costs none (a
    fresh stored copy): the answer is then that copy, as without a budget to wait with."""
    try:
        return plan_wait(ctx, wait.seconds, after_send=wait.sent_at is not None)
    except RateLimited:
        from bsevents.app.fetch import would_call

        if wait.sent_at is not None or would_call(ctx, uuid, options):
            raise
        return None


def _say_copy(ctx: Context, copy: EventsResult) -> None:
    """The first look came from a stored copy: say so, and how old it is."""
    from bsevents.model.times import ago

    when = ago(ctx.clock.now() - copy.fetched_at) if copy.fetched_at is not None else "earlier"
    ctx.report.note(f"not in the stored copy fetched {when} (no call spent on it)")


def _free_look(ctx: Context, uuid: str, wait: Wait, options: FetchOptions) -> EventsResult:
    """The stored copy, when it has what is waited for; else the answer is no: there was
    no call to wait with, and the copy does not have it."""
    from bsevents.app.fetch import fetch

    result = fetch(ctx, uuid, options)
    if wait.found(result.events):
        return result
    from bsevents.model.times import ago

    age = ago(ctx.clock.now() - result.fetched_at) if result.fetched_at is not None else ""
    why = (
        f"in the stored copy fetched {age} · 0 calls spent, as none is left to wait with this hour"
    )
    raise WaitExpired(f"no {wait.looked_for} for customer {uuid} {why}", why=why, last=result)


class WaitExpired(AnswerIsNo):
    """The wait ended with nothing found; `why` says when and what it spent
    (`within 20s · 2 calls spent`), for a caller that words the answer itself, and
    `last` is the last answer it had, if any: a command that shows what is still
    missing shows it from there."""

    def __init__(self, message: str, *, why: str, last: EventsResult | None = None) -> None:
        super().__init__(message)
        self.why = why
        self.last = last


def _say_plan(ctx: Context, uuid: str, wait: Wait, plan: Plan, following: float) -> None:
    ctx.report.note(
        f"waiting up to {duration_text(wait.seconds)} for {with_article(wait.looked_for)} "
        f"for customer {uuid} · at most {counted(len(plan.moments), 'call')} of the "
        f"{plan.left} left this hour · next poll "
        f"at {_when(ctx, following)} · Ctrl-C to stop"
    )


def _when(ctx: Context, moment: float) -> str:
    """A moment of the monotonic clock as the wall clock shows it: `12:00:30, in 20s`."""
    from datetime import datetime

    ahead = max(0.0, moment - ctx.clock.monotonic())
    try:
        at = datetime.fromtimestamp(ctx.clock.now() + ahead).strftime("%H:%M:%S")
    except (OverflowError, ValueError, OSError):
        at = "--:--:--"
    return f"{at}, in {duration_text(ahead)}"


def _poll(ctx: Context, uuid: str, options: FetchOptions) -> tuple[EventsResult | None, int]:
    """One live poll, unless the budget is at the cap, held after a 429, or down to the
    call kept for the user (someone else spent it meanwhile): then none, said once."""
    from bsevents.app.budget import budget as current_budget

    budget = current_budget(ctx)
    if budget.free_at is not None or budget.remaining <= KEEP:
        ctx.report.warn(
            f"no poll now: {counted(budget.remaining, 'call')} left "
            "this hour, and the last is kept for you"
            if budget.free_at is None
            else f"no poll now: {_nothing_to_wait_with(budget).message}"
        )
        return None, 0
    return _one_answer(ctx, uuid, options)


def _one_answer(ctx: Context, uuid: str, options: FetchOptions) -> tuple[EventsResult | None, int]:
    """One answer and the calls it cost; None when the budget refused it or the server
    had a passing problem (5xx, a timeout, a dropped connection): the wait goes on.
    Anything else (a wrong key, URL or customer) is raised, so that it does not wait out
    the deadline."""
    from bsevents.app.fetch import fetch

    try:
        result = fetch(ctx, uuid, options)
    except RateLimited as refused:
        ctx.report.warn(refused.message)
        return None, int(refused.status is not None)
    except RequestFailed as error:
        if isinstance(error, NetworkError) and error.kind == "connect":
            raise
        if not isinstance(error, NetworkError) and (error.status or 0) < 500:
            raise
        ctx.report.warn(f"{error.message}; polling again")
        return None, 1
    return result, int(result.origin == "live")
