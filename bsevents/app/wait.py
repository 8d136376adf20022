"""`--wait DURATION`: ask until an event passes the filters, within the hourly budget.

The pacing is `--watch`'s arithmetic, bounded by a deadline instead of the hour: the calls
left, less the one kept for the user (watch.KEEP), spread evenly up to the deadline, never
closer together than MIN_POLL seconds, and no call while the budget is at the cap or held
after a 429. A poll that fails (network, 5xx, a 429) costs that poll, not the wait.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bsevents.app.fetch import EventsResult, FetchOptions, get_budget, get_customer_events
from bsevents.app.watch import KEEP
from bsevents.errors import AnswerIsNo, NetworkError, RateLimited, RequestFailed, UsageProblem
from bsevents.model.events import Event
from bsevents.model.report import Notify, ignore
from bsevents.model.times import duration_text

if TYPE_CHECKING:
    from bsevents.state.ledger.local import Budget
    from bsevents.state.settings import Resolved

MIN_POLL = 5.0
# Test-only: a shorter minimum poll interval, so tests of the pacing need not sleep 5 s a
# poll. Not a user setting; the hourly budget bounds the calls either way.
MIN_POLL_ENV = "BSEVENTS_TEST_MIN_POLL"
MAX_WAIT = 86400.0


def parse_wait(text: str) -> float:
    """`--wait`'s value in seconds. Raises UsageProblem before anything is spent."""
    from bsevents.model.times import parse_duration

    seconds = parse_duration(text)
    if seconds is None or seconds <= 0:
        raise UsageProblem(f"--wait {text!r} is not a duration", "for example --wait 15m")
    if seconds > MAX_WAIT:
        raise UsageProblem(f"--wait {text} is longer than a day", "for example --wait 2h")
    return seconds


def min_poll(env: Mapping[str, str] | None = None) -> float:
    text = (os.environ if env is None else env).get(MIN_POLL_ENV, "").strip()
    try:
        return float(text) if text else MIN_POLL
    except ValueError:
        return MIN_POLL


@dataclass(frozen=True)
class Step:
    """What to do next: sleep `sleep` seconds, then poll (or only look at the budget again)."""

    sleep: float
    poll: bool


def next_step(
    now: float,
    deadline: float,
    budget: Budget,
    shortest: float,
    *,
    started: float,
    answered: float,
) -> Step | None:
    """The next step of the pacing; None once the deadline has come. The previous call
    `started` and was `answered` at those times: the calls left are spread over the time
    from its start to the deadline (so the time each call takes does not add up and push
    the last ones past the deadline), and the next one goes out at least `shortest` after
    the previous answer (so the server never sees two closer together)."""
    left = deadline - now
    if left <= 0:
        return None
    if budget.free_at is not None:  # at the cap, or held after a 429
        return Step(max(0.0, min(budget.free_at - now, left)), poll=False)
    usable = budget.remaining - KEEP
    if usable <= 0:
        slot = budget.next_slot_at
        return Step(max(0.0, min(slot - now, left)) if slot else left, poll=False)
    target = max(started + (deadline - started) / usable, answered + shortest)
    if target > deadline + 1e-6:  # the next poll would come too soon after the last one
        return Step(left, poll=False)
    return Step(max(0.0, target - now), poll=True)


@dataclass(frozen=True)
class Waited:
    """The answer in which an event passed, and what finding it cost."""

    result: EventsResult
    calls: int
    elapsed: float


def wait_for(
    settings: Resolved,
    uuid: str,
    seconds: float,
    *,
    first: FetchOptions,
    passes: Callable[[Event], bool],
    looked_for: str,
    notify: Notify,
    warn: Notify,
    debug: Notify = ignore,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Waited:
    """Fetch (by the usual cache rules), then poll until an event `passes`. Raises
    AnswerIsNo at the deadline, saying what was `looked_for` and the calls spent."""
    started = clock()
    deadline = started + seconds
    first = replace(first, retries=0)  # the next poll is the retry
    shortest = min_poll()
    result, calls = _first_answer(settings, uuid, first, notify, warn, debug)
    if result is not None and any(passes(e) for e in result.events):
        return Waited(result, calls, clock() - started)
    notify(
        f"waiting up to {duration_text(seconds)} for {_a(looked_for)} · at most "
        f"{_plural(max(get_budget(settings).remaining - KEEP, 0), 'call')} this hour · "
        "Ctrl-C to stop"
    )
    poll = FetchOptions(timeout=first.timeout, refresh=True, retries=0)
    last_start, last_answer = started, clock()
    while True:
        budget = get_budget(settings, warn=warn, debug=debug)
        step = next_step(
            clock(), deadline, budget, shortest, started=last_start, answered=last_answer
        )
        if step is None:
            break
        sleep(step.sleep)
        if not step.poll:
            continue
        budget = get_budget(settings, warn=warn, debug=debug)
        if budget.free_at is not None or budget.remaining <= KEEP:
            continue  # someone else spent the budget while we slept
        last_start = clock()
        try:
            result = get_customer_events(
                settings, uuid, poll, notify=notify, warn=warn, debug=debug
            )
        except RateLimited as refused:
            calls += refused.status is not None
            warn(refused.message)
            continue
        except RequestFailed as error:
            calls += 1
            warn(f"{error.message}; polling again")
            continue
        finally:
            last_answer = clock()
        calls += 1
        if any(passes(e) for e in result.events):
            return Waited(result, calls, clock() - started)
    raise AnswerIsNo(
        f"no {looked_for} within {duration_text(seconds)} · {_plural(calls, 'call')} spent"
    )


def _first_answer(
    settings: Resolved,
    uuid: str,
    options: FetchOptions,
    notify: Notify,
    warn: Notify,
    debug: Notify,
) -> tuple[EventsResult | None, int]:
    """The first answer by the usual cache rules, and the calls it cost; None when the
    budget refused it or the server had a passing problem (5xx, a timeout, a dropped
    connection): the wait goes on. Anything else (a wrong key, URL or customer) is raised,
    so that it does not wait out the deadline."""
    try:
        result = get_customer_events(settings, uuid, options, notify=notify, warn=warn, debug=debug)
    except RateLimited as refused:
        warn(refused.message)
        return None, int(refused.status is not None)
    except RequestFailed as error:
        if isinstance(error, NetworkError) and error.kind == "connect":
            raise
        if not isinstance(error, NetworkError) and (error.status or 0) < 500:
            raise
        warn(f"{error.message}; polling again")
        return None, 1
    return result, int(result.origin == "live")


def _a(what: str) -> str:
    return f"an {what}" if what[:1] in ("a", "e", "i", "o", "u") else f"a {what}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
