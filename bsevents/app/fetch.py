"""Getting one customer's events within the hourly budget: from the store when a copy is
fresh (or --offline), else with a live call that the ledger counts before it goes out.
Also the email lookup (`find_by_email`), which the ledger records the same way; the
budget itself is `budget.py`.

Everything takes the run's `Context` (settings, key, ledger, store, reporter, clock,
transport) and returns data; notes meant for people before a slow call goes out are
reported through the context, notes about the answer travel in the `EventsResult`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bsevents.app.budget import budget as current_budget
from bsevents.app.result import RETRY_BASE, EventsResult, FetchOptions, check_timeout
from bsevents.errors import (
    AuthProblem,
    BadResponse,
    NetworkError,
    RateLimited,
    RequestFailed,
)
from bsevents.model.events import sort_events
from bsevents.model.times import ago, clock_and_wait

if TYPE_CHECKING:  # imported lazily at run time: the demo and --help need none of them
    from bsevents.app.context import Context
    from bsevents.state.cache.stored import Stored
    from bsevents.state.ledger.budget import Budget, Ledger, Reservation
    from bsevents.state.settings import Resolved


def fetch(ctx: Context, uuid: str, options: FetchOptions) -> EventsResult:
    """One customer's events: from the store when fresh (or --offline), else live, within
    the hourly budget. Every live call is in the ledger; every good answer is stored."""
    settings = ctx.settings
    now = ctx.clock.now()
    try:
        ctx.user_key()
    except AuthProblem:
        if not options.offline:
            raise
        # Viewing what is stored needs no key: take the newest copy in this region.
        from bsevents.state.cache.local import find_any

        stored = find_any(uuid, settings.region, settings.base_url)
        if stored is None:
            raise _nothing_stored(uuid, settings) from None
        return _from_store(ctx, stored, now, "stored response")
    stored = ctx.cache().load(uuid)
    if options.offline:
        if stored is None:
            raise _nothing_stored(uuid, settings)
        return _from_store(ctx, stored, now, "stored response")
    if not _needs_call(ctx, stored, options):
        assert stored is not None
        return _from_store(ctx, stored, now, "from cache", refreshable=True)
    try:
        return fetch_live(ctx, uuid, options, stored)
    except RateLimited as refused:
        if stored is None and refused.status is None:
            # The usual hint points at --offline, which has nothing to show here.
            raise RateLimited(
                refused.message,
                f"nothing is stored for customer {uuid} yet, so --offline has nothing to "
                "show; --force sends anyway",
            ) from None
        raise


def would_call(ctx: Context, uuid: str, options: FetchOptions) -> bool:
    """Whether `fetch` would make a live call for these options now, rather than answer
    from a fresh stored copy: for a wait that must know what its first answer costs."""
    if options.offline:
        return False
    return _needs_call(ctx, ctx.cache().load(uuid), options)


def _needs_call(ctx: Context, stored: Stored | None, options: FetchOptions) -> bool:
    """A live call, rather than the stored copy: asked for, or no fresh copy to answer."""
    ttl = ctx.settings.cache_ttl
    if options.refresh or options.force or ttl <= 0 or stored is None:
        return True
    return not _fresh(stored, ctx.clock.now(), ttl)


@dataclass(frozen=True)
class Miss:
    """What a question found missing in a stored copy, and the command that asks again."""

    what: str  # `'signup_test'`, `event '3766f1'`, `a new event`
    command: str  # `bsevents events UUID -t signup_test --refresh`
    hint: str = ""  # ` (did you mean 'signup_test'?)`, said only when no call is made
    stale: bool = False  # the copy was fetched before what is missing was sent


def refresh_on_miss(
    ctx: Context, uuid: str, options: FetchOptions, copy: EventsResult, miss: Miss
) -> EventsResult:
    """After `miss.what` was not in a stored copy: one live call, within the budget, when
    the copy is at least `refresh-on-miss` seconds old, or was fetched before what is
    missing was sent (`miss.stale`). Returns the fresh events, or the copy telling why no
    call was made and which command makes one."""
    if copy.origin != "cache" or copy.fetched_at is None:
        return copy
    settings = ctx.settings
    now = ctx.clock.now()
    age = now - copy.fetched_at
    lead = f"{miss.what} is not in the copy fetched {ago(age)}{miss.hint}"
    wait = settings.values["refresh-on-miss"]
    if options.offline or wait == "never" or (age < wait and not miss.stale):
        return _told(copy, f"{lead}; no call made. To ask Blueshift: {miss.command}")
    if ctx.user_key_if_any() is None:
        return _told(copy, f"{lead}; no API key to ask Blueshift with")
    from bsevents.state.ledger.db import LedgerUnavailable

    try:
        budget = current_budget(ctx)
    except LedgerUnavailable as problem:
        return _told(copy, f"{lead}; no call made: {problem.message}. To ask: {miss.command}")
    if budget.free_at is not None:
        when = clock_and_wait(budget.free_at, now)
        held = budget.blocked_until is not None and budget.blocked_until > now
        why = "calls are held after a 429 from Blueshift" if held else "no call is left this hour"
        # --refresh would be refused as this call was: only --force sends now.
        forced = miss.command.removesuffix(" --refresh") + " --force"
        return _told(copy, f"{lead}; {why}, the next is free at {when}; to ask anyway: {forced}")
    ctx.report.note(
        f"{miss.what} is not in the copy fetched {ago(age)}; asking Blueshift "
        f"(call {budget.used + 1} of {budget.limit})"
    )
    return fetch_live(ctx, uuid, options, _stored_copy(copy))


def _told(copy: EventsResult, why: str) -> EventsResult:
    return replace(copy, told=(*copy.told, why))


def _stored_copy(copy: EventsResult) -> Stored:
    """The copy a refresh replaces, as the store would give it back (for --new)."""
    from bsevents.state.cache.stored import Stored

    assert copy.fetched_at is not None
    return Stored(copy.uuid, copy.events, copy.fetched_at, "", copy.new_keys, None)


def _nothing_stored(uuid: str, settings: Resolved) -> RequestFailed:
    hint = "run without --offline to fetch it (one call of the hourly budget)"
    if settings.sources.get("base_url") in ("flag", "env"):
        hint += f"; copies are kept per API base URL, and this one is {settings.base_url}"
    return RequestFailed(f"nothing is stored for customer {uuid}", hint)


def _fresh(stored: Stored, now: float, ttl: int) -> bool:
    """Fetched less than `ttl` seconds ago. A copy stamped in the future (past the clock
    skew a machine may have) is not fresh: the clock was wrong then, or is now."""
    from bsevents.state.ledger.budget import CLOCK_SKEW_SECONDS

    return -CLOCK_SKEW_SECONDS <= now - stored.fetched_at < ttl


def copy_note(ctx: Context, result: EventsResult) -> EventsResult:
    """A stored copy's note, finished once the answer is final: how to make a live call
    and how many calls are left for it now, or that no call was made."""
    if result.origin != "cache" or not result.notes:
        return result
    suffix = " · no call made"
    if result.refreshable:
        from bsevents.state.ledger.db import LedgerUnavailable

        try:
            budget = current_budget(ctx)
            suffix = f" · --refresh for a live call ({budget.remaining} left this hour)"
            if budget.free_at is not None:  # --refresh would be refused: say when it is not
                when = clock_and_wait(budget.free_at, budget.now)
                suffix = f" · no live call before {when}"
        except LedgerUnavailable as problem:
            ctx.report.warn(problem.message)  # the copy is shown all the same
    return replace(result, notes=[result.notes[0] + suffix, *result.notes[1:]])


def _fetched_when(stored: Stored, now: float) -> str:
    from bsevents.state.ledger.budget import CLOCK_SKEW_SECONDS

    if stored.fetched_at - now > CLOCK_SKEW_SECONDS:
        from bsevents.model.times import iso_utc

        return (
            f"stamped {iso_utc(stored.fetched_at)}, in the future (the clock was wrong "
            "when it was fetched, or is now)"
        )
    by = f" by {stored.by}" if stored.by else ""  # a copy from the team's shared store
    return f"fetched {ago(now - stored.fetched_at)}{by}"


def _from_store(
    ctx: Context, stored: Stored, now: float, label: str, *, refreshable: bool = False
) -> EventsResult:
    return EventsResult(
        sort_events(stored.events),
        stored.uuid,
        "cache",
        [f"{label}, {_fetched_when(stored, now)}"],  # finished by copy_note
        stored.new_keys,
        stored.fetched_at,
        dashboard_url=_dashboard(ctx, stored.uuid),
        refreshable=refreshable,
        compared=stored.previous_fetched_at is not None,
    )


def _dashboard(ctx: Context, uuid: str) -> str:
    from bsevents.model.regions import dashboard_url

    return dashboard_url(ctx.settings.region, uuid)


def fetch_live(
    ctx: Context, uuid: str, options: FetchOptions, previous: Stored | None
) -> EventsResult:
    """A live call within the budget (with retries that never cross the cap), its answer
    stored with what is new since `previous`."""
    from bsevents.api.client import check_url, fetch_events
    from bsevents.api.endpoints import show_events_url

    settings = ctx.settings
    key = ctx.user_key().value
    check_url(show_events_url(settings.base_url, uuid))  # before a call is counted
    ledger = _ledger_for_calls(ctx)
    attempt = 0
    last_error: RequestFailed | None = None
    while True:
        try:
            # --force buys one call past the cap, never its retries.
            with _paid_call(ctx, ledger, uuid, force=options.force and not attempt) as call:
                _announce(ctx, call.reservation.budget_after)
                fetched = fetch_events(
                    settings.base_url,
                    key,
                    uuid,
                    timeout=options.timeout,
                    max_bytes=max_response_bytes(settings),
                    report=ctx.report,
                    transport=ctx.transport,
                )
                call.answered(fetched.elapsed, len(fetched.body))
            break
        except RateLimited as error:
            if error.status is not None:  # a 429 from Blueshift
                raise _hold_after_429(ctx, ledger, error) from None
            if last_error is None:
                raise
            # The cap (or the kept call) is reached: perhaps another process took the
            # last call while we waited.
            ctx.report.note("not retrying: no call of the hour is left for it")
            raise last_error from None
        except RequestFailed as error:
            if attempt >= options.retries or not _retryable(error):
                raise
            if not _retry_allowed(ctx, options):
                raise
            attempt += 1
            last_error = error
            _wait_to_retry(ctx, error, attempt, options)
    from bsevents.state.cache.stored import Answer

    fetched_at = ctx.clock.now()
    answer = Answer(uuid, fetched.body, fetched.events, fetched_at, settings.region)
    stored = ctx.cache().store(answer, previous)
    notes = []
    if stored.previous_fetched_at is not None:
        from bsevents.model.words import counted

        count = len(stored.new_keys)
        many = counted(count, "new event") if count else "no new events"
        notes.append(f"{many} since the fetch {ago(fetched_at - stored.previous_fetched_at)}")
    return EventsResult(
        sort_events(fetched.events),
        uuid,
        "live",
        notes,
        stored.new_keys,
        dashboard_url=_dashboard(ctx, uuid),
        compared=stored.previous_fetched_at is not None,
    )


def _wait_to_retry(ctx: Context, error: RequestFailed, attempt: int, options: FetchOptions) -> None:
    jitter = 1 + random.random() / 2  # noqa: S311 - spreading retries, not secrecy
    delay = RETRY_BASE * 2 ** (attempt - 1) * jitter
    reason = error.message.rstrip(".")
    ctx.report.note(f"{reason}; retry {attempt} of {options.retries} in {delay:.1f} s")
    ctx.clock.sleep(delay)


@dataclass
class PaidCall:
    """A call counted in the ledger: what a good answer measured, for its record."""

    reservation: Reservation
    elapsed: float | None = None
    nbytes: int | None = None

    def answered(self, elapsed: float, nbytes: int) -> None:
        self.elapsed, self.nbytes = elapsed, nbytes


@contextmanager
def _paid_call(
    ctx: Context,
    ledger: Ledger,
    uuid: str | None,
    *,
    force: bool = False,
    endpoint: str | None = None,
) -> Iterator[PaidCall]:
    """The one way a call is paid for: reserve it (RateLimited, without a status, at the
    cap), run the block with its outcome recorded however it ends, then record the good
    answer. A show_events answer also ends any hold a 429 left; a Search customer one,
    which the cap does not count, does not."""
    from bsevents.state.ledger.budget import SHOW_EVENTS, Planned, recording

    settings = ctx.settings
    planned = Planned(
        ctx.account,
        settings.profile,
        settings.region,
        uuid,
        settings.hourly_cap,
        endpoint or SHOW_EVENTS,
    )
    reservation = ledger.reserve(planned, force=force, now=ctx.clock.now())
    call = PaidCall(reservation)
    with recording(ledger, reservation):
        yield call
    _record_success(ctx, ledger, call, end_hold=endpoint in (None, SHOW_EVENTS))


def _ledger_for_calls(ctx: Context) -> Ledger:
    """The ledger, opened to count calls: if it cannot be, no call goes out."""
    from bsevents.state.ledger.db import LedgerUnavailable

    try:
        return ctx.ledger()
    except LedgerUnavailable as problem:
        raise LedgerUnavailable(f"{problem.message}; no call was made", problem.hint) from None


def _record_success(ctx: Context, ledger: Ledger, call: PaidCall, *, end_hold: bool) -> None:
    """Record a good answer; one that cannot be recorded stays counted (as pending) and is
    shown all the same: it was paid for."""
    from bsevents.state.ledger.budget import Outcome
    from bsevents.state.ledger.db import LedgerUnavailable

    try:
        ledger.finish(call.reservation, Outcome("200", call.elapsed, call.nbytes))
        if end_hold:
            # Blueshift answered, so whatever hold a 429 left is over.
            ledger.clear_hold(ctx.account)
    except LedgerUnavailable as problem:
        ctx.report.warn(f"{problem.message}; the call stays counted as pending")


def _announce(ctx: Context, budget: Budget) -> None:
    """Say where the budget stands before a live call after which 3 or fewer remain."""
    from bsevents.state.ledger.budget import WARN_AT_REMAINING

    if budget.remaining > WARN_AT_REMAINING:
        return
    over = " (forced past the cap)" if budget.used > budget.limit else ""
    line = f"call {budget.used} of {budget.limit} this hour{over} · {budget.remaining} left"
    if budget.next_slot_at is not None:
        line += f" · next frees at {clock_and_wait(budget.next_slot_at, budget.now)}"
    ctx.report.note(line)


def _retry_allowed(ctx: Context, options: FetchOptions) -> bool:
    """A retry never crosses the cap, not even after --force, and never spends the calls
    kept for the user: else report the failure that needed it."""
    budget = current_budget(ctx)
    if budget.free_at is not None:
        when = clock_and_wait(budget.free_at, budget.now)
        ctx.report.note(f"not retrying: the hourly cap is reached, the next call is free at {when}")
        return False
    if budget.remaining <= options.keep:
        from bsevents.model.words import counted

        kept = counted(options.keep, "call")
        ctx.report.note(f"not retrying: {kept} left this hour, kept for you")
        return False
    return True


def max_response_bytes(settings: Resolved) -> int:
    from bsevents.api.bounded import MB
    from bsevents.state.settings import DEFAULT_RESPONSE_MB

    return int(settings.values.get("max-response-mb", DEFAULT_RESPONSE_MB)) * MB


def _retryable(error: RequestFailed) -> bool:
    """502, 503, 504 and dropped or refused connections; not timeouts, which already
    waited as long as the user allowed."""
    if isinstance(error, NetworkError):
        return error.kind != "timeout"
    return error.status in (502, 503, 504)


def _hold_after_429(ctx: Context, ledger: Ledger, error: RateLimited) -> RateLimited:
    """Hold back live calls until a slot frees (or Retry-After), and say so."""
    from bsevents.state.ledger.budget import REFUSAL_HINT

    after = current_budget(ctx)
    if error.retry_after == 0:
        # Retry-After: 0 (or a date past): Blueshift asks for no wait, so none is held.
        return RateLimited(
            f"{error.message}; Blueshift asks for no wait (Retry-After), so no hold is kept",
            "try again",
            status=error.status,
        )
    until = after.next_slot_at or after.now + 3600
    if error.retry_after is not None:
        until = after.now + error.retry_after
    ledger.hold(ctx.account, until, "429", after.now)
    return RateLimited(
        f"{error.message}; live calls are held until {clock_and_wait(until, after.now)}",
        REFUSAL_HINT,
        status=error.status,
    )


# -- who an email belongs to --------------------------------------------------------------


@dataclass(frozen=True)
class EmailMatch:
    """Who an email address belongs to: the match Blueshift recommends, and the others."""

    email: str
    uuid: str
    user: dict[str, Any]
    others: list[dict[str, Any]]
    stored: bool = False  # True when taken from the local mapping (--offline)


def find_by_email(ctx: Context, email: str, *, timeout: float, offline: bool) -> EmailMatch:
    """Resolve an email to a customer UUID with Search customer (recorded in the ledger,
    not counted against the show_events cap), and remember the mapping locally."""
    from bsevents.state.cache.index import known_email, remember_email

    if offline:
        uuid = known_email(email)
        if uuid is None:
            raise RequestFailed(
                f"no stored lookup for {email}",
                "run without --offline once to look the address up (it costs no events call)",
            )
        return EmailMatch(email, uuid, {"uuid": uuid}, [], stored=True)
    from bsevents.api.client import check_url, search_customers
    from bsevents.api.endpoints import search_url
    from bsevents.model.customer import UUID_RE
    from bsevents.model.sanitize import clean, shorten
    from bsevents.state.ledger.budget import SEARCH

    settings = ctx.settings
    check_timeout(timeout)
    check_url(search_url(settings.base_url, email))  # before the lookup is recorded
    key = ctx.user_key().value
    with _paid_call(ctx, _ledger_for_calls(ctx), None, endpoint=SEARCH):
        match = search_customers(
            settings.base_url,
            key,
            email,
            timeout=timeout,
            transport=ctx.transport,
            max_bytes=max_response_bytes(settings),
            report=ctx.report,
        )
    uuid = str(match.user["uuid"]).lower()
    if not UUID_RE.match(uuid):
        raise BadResponse(
            f"Search customer answered with a customer id that is not a UUID: "
            f"{shorten(clean(str(match.user['uuid'])), 60)!r}",
            "no events call was made; check the base URL",
        )
    others = [u for u in match.users if str(u.get("uuid", "")).lower() != uuid]
    remember_email(email, uuid, region=settings.region, report=ctx.report)
    return EmailMatch(email, uuid, match.user, others)
