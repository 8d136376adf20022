"""Where a command's events come from: the bundled demo, the store, or a live call
(saved files are `saved.py`).

`get_customer_events` is the core of `bsevents events`. It returns data and never
prints: notes meant for the user before a slow call goes out are passed to `notify`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bsevents.errors import (
    AuthProblem,
    BadResponse,
    NetworkError,
    RateLimited,
    RequestFailed,
    UsageProblem,
)
from bsevents.model.events import Event, check_events, sort_events
from bsevents.model.report import Notify
from bsevents.model.report import ignore as _ignore
from bsevents.model.times import ago, clock_and_wait

if TYPE_CHECKING:  # imported lazily at run time: the demo and --help need none of them
    from bsevents.api.client import Progress
    from bsevents.state.cache.local import Cache, Stored
    from bsevents.state.ledger.local import Budget, Ledger, Reservation
    from bsevents.state.settings import Resolved

Origin = Literal["demo", "live", "cache", "file"]
DEMO_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"


@dataclass(frozen=True)
class EventsResult:
    """Sorted events, what they are, and which of them are new since the fetch before."""

    events: list[Event]
    uuid: str
    origin: Origin
    notes: list[str] = field(default_factory=list)
    new_keys: frozenset[str] = frozenset()
    # When a stored copy was fetched (origin "cache"): a miss in an old copy is asked again.
    fetched_at: float | None = None


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 30.0
    refresh: bool = False  # a live call even when a fresh stored response exists
    offline: bool = False  # never call; show the stored response
    force: bool = False  # call even at the hourly cap or during a hold after a 429
    retries: int = 2  # for 502/503/504 and dropped connections; each one is a ledger entry
    # Seconds before the first retry; doubles, with jitter. BSEVENTS_RETRY_BASE is for
    # tests only, so that they exercise retries without sleeping.
    retry_base: float = field(default_factory=lambda: _retry_base())
    keep: int = 0  # calls of the hour retries leave alone (--watch keeps one for the user)

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        if not 0 <= self.retries <= MAX_RETRIES:
            raise UsageProblem(f"--retries {self.retries} is not between 0 and {MAX_RETRIES}")


def _retry_base() -> float:
    import os

    try:
        return min(max(0.0, float(os.environ.get("BSEVENTS_RETRY_BASE", "0.5"))), 60.0)
    except ValueError:
        return 0.5


MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 600.0
MAX_RETRIES = 5


def check_timeout(seconds: float) -> float:
    """`seconds` if it is a sane --timeout, else UsageProblem: NaN, infinity or 1e10
    would pass a bare minimum and then fail inside the HTTP library, after the call was
    counted."""
    if not MIN_TIMEOUT <= seconds <= MAX_TIMEOUT:  # False for NaN too
        raise UsageProblem(
            f"--timeout {seconds:g} is not between {MIN_TIMEOUT:g} and {MAX_TIMEOUT:g} seconds",
            "for example --timeout 60",
        )
    return seconds


def demo_events() -> list[Event]:
    """The bundled journey, in the order an API might send it (newest first)."""
    from importlib.resources import files  # 5 ms that only the demo needs

    text = files("bsevents.app").joinpath("demo.json").read_text(encoding="utf-8")
    return check_events(json.loads(text))


def get_demo() -> EventsResult:
    return EventsResult(sort_events(demo_events()), DEMO_UUID, "demo")


def get_customer_events(
    settings: Resolved,
    uuid: str,
    options: FetchOptions,
    *,
    notify: Notify = _ignore,
    warn: Notify = _ignore,
    debug: Notify = _ignore,
    progress: Progress | None = None,
) -> EventsResult:
    """One customer's events: from the store when fresh (or --offline), else live, within
    the hourly budget. Every live call is in the ledger; every good answer is stored."""
    from bsevents.state.cache.local import find_any
    from bsevents.state.keys import resolve_api_key
    from bsevents.state.ledger.local import account_id
    from bsevents.state.stores import open_cache

    if options.offline and (options.refresh or options.force):
        raise UsageProblem("--offline never calls; it cannot be combined with --refresh/--force")
    now = time.time()
    try:
        key = resolve_api_key(settings.profile, warn=warn, debug=debug)
    except AuthProblem:
        if not options.offline:
            raise
        # Viewing what is stored needs no key: take the newest copy in this region.
        stored = find_any(uuid, settings.region, settings.base_url)
        if stored is None:
            raise _nothing_stored(uuid) from None
        return _from_store(stored, now, "stored response", None)
    account = account_id(settings.region, key.value)
    cache = open_cache(settings, key.value, warn)
    stored = cache.load(uuid)
    if options.offline:
        if stored is None:
            raise _nothing_stored(uuid)
        return _from_store(stored, now, "stored response", None)
    live = options.refresh or options.force or settings.cache_ttl <= 0
    if stored is not None and not live and _fresh(stored, now, settings.cache_ttl):
        return _from_store(stored, now, "from cache", _calls_left(settings, key.value, now, warn))
    try:
        return _fetch_live(
            settings, uuid, options, key.value, account, cache, notify, warn, debug, progress
        )
    except RateLimited as refused:
        if stored is None and refused.status is None:
            # The usual hint points at --offline, which has nothing to show here.
            raise RateLimited(
                refused.message,
                f"nothing is stored for customer {uuid} yet, so --offline has nothing to "
                "show; --force sends anyway",
            ) from None
        raise


def refresh_on_miss(
    settings: Resolved,
    uuid: str,
    options: FetchOptions,
    copy: EventsResult,
    miss: Miss,
    *,
    notify: Notify = _ignore,
    tell: Notify = _ignore,
    warn: Notify = _ignore,
    debug: Notify = _ignore,
    progress: Progress | None = None,
) -> EventsResult | None:
    """After `miss.what` was not in a stored copy: one live call, within the budget, when
    the copy is at least `refresh-on-miss` seconds old. Returns the fresh events, or None
    after `tell` has said why no call was made and which command makes one."""
    from bsevents.state.keys import resolve_api_key
    from bsevents.state.ledger.local import account_id

    if copy.origin != "cache" or copy.fetched_at is None:
        return None
    now = time.time()
    age = now - copy.fetched_at
    lead = f"{miss.what} is not in the copy fetched {ago(age)}"
    wait = settings.values["refresh-on-miss"]
    if options.offline or wait == "never" or age < wait:
        tell(f"{lead}; no call made. To ask Blueshift: {miss.command}")
        return None
    try:
        key = resolve_api_key(settings.profile, warn=warn, debug=debug).value
    except AuthProblem:
        tell(f"{lead}; no API key to ask Blueshift with")
        return None
    account = account_id(settings.region, key)
    from bsevents.state.ledger.db import LedgerUnavailable
    from bsevents.state.stores import open_cache, open_ledger

    try:
        with open_ledger(settings, key, warn) as ledger:
            budget = ledger.budget(account, settings.hourly_cap, now)
    except LedgerUnavailable as problem:
        tell(f"{lead}; no call made ({problem.message}): {miss.command}")
        return None
    if budget.free_at is not None:
        when = clock_and_wait(budget.free_at, now)
        held = budget.blocked_until is not None and budget.blocked_until > now
        why = "calls are held after a 429 from Blueshift" if held else "no call is left this hour"
        # --refresh would be refused as this call was: only --force sends now.
        forced = miss.command.removesuffix(" --refresh") + " --force"
        tell(f"{lead}; {why}, the next is free at {when}; to ask anyway: {forced}")
        return None
    notify(f"{lead}; asking Blueshift (call {budget.used + 1} of {budget.limit})")
    cache = open_cache(settings, key, warn)
    return _fetch_live(settings, uuid, options, key, account, cache, notify, warn, debug, progress)


@dataclass(frozen=True)
class Miss:
    """What a question found missing in a stored copy, and the command that asks again."""

    what: str  # `'signup_test'`, `event '3766f1'`, `a new event`
    command: str  # `bsevents events UUID -t signup_test --refresh`


def _nothing_stored(uuid: str) -> RequestFailed:
    return RequestFailed(
        f"nothing is stored for customer {uuid}",
        "run without --offline to fetch it (one call of the hourly budget)",
    )


def _fresh(stored: Stored, now: float, ttl: int) -> bool:
    """Fetched less than `ttl` seconds ago. A copy stamped in the future (past the clock
    skew a machine may have) is not fresh: the clock was wrong then, or is now."""
    from bsevents.state.ledger.local import CLOCK_SKEW_SECONDS

    return -CLOCK_SKEW_SECONDS <= now - stored.fetched_at < ttl


def _calls_left(settings: Resolved, key: str, now: float, warn: Notify) -> int | None:
    """The calls left this hour, for the note on a stored copy; None if the ledger
    cannot be read (the copy is shown all the same)."""
    from bsevents.state.ledger.db import LedgerUnavailable
    from bsevents.state.ledger.local import account_id
    from bsevents.state.stores import open_ledger

    try:
        with open_ledger(settings, key, warn) as ledger:
            account = account_id(settings.region, key)
            return ledger.budget(account, settings.hourly_cap, now).remaining
    except LedgerUnavailable as problem:
        warn(problem.message)
        return None


def _fetched_when(stored: Stored, now: float) -> str:
    from bsevents.state.ledger.local import CLOCK_SKEW_SECONDS

    if stored.fetched_at - now > CLOCK_SKEW_SECONDS:
        from bsevents.model.times import iso_utc

        return (
            f"stamped {iso_utc(stored.fetched_at)}, in the future (the clock was wrong "
            "when it was fetched, or is now)"
        )
    by = getattr(stored, "by", None)  # a copy from the team's shared store
    return f"fetched {ago(now - stored.fetched_at)}" + (f" by {by}" if by else "")


def _from_store(stored: Stored, now: float, label: str, left: int | None) -> EventsResult:
    note = f"{label}, {_fetched_when(stored, now)}"
    if left is not None:
        note += f" · --refresh for a live call ({left} left this hour)"
    else:
        note += " · no call made"
    return EventsResult(
        sort_events(stored.events),
        stored.uuid,
        "cache",
        [note],
        stored.new_keys,
        stored.fetched_at,
    )


def _fetch_live(
    settings: Resolved,
    uuid: str,
    options: FetchOptions,
    key: str,
    account: str,
    cache: Cache,
    notify: Notify,
    warn: Notify,
    debug: Notify,
    progress: Progress | None,
) -> EventsResult:
    from bsevents.api.client import check_url, fetch_events
    from bsevents.api.endpoints import show_events_url

    check_url(show_events_url(settings.base_url, uuid))  # before a call is counted
    with _ledger_for_calls(settings, key, warn) as ledger:
        attempt = 0
        last_error: RequestFailed | None = None
        while True:
            try:
                # --force buys one call past the cap, never its retries.
                force = options.force and not attempt
                with _paid_call(ledger, settings, account, uuid, warn, force=force) as call:
                    _announce(call.reservation.budget_after, notify)
                    fetched = fetch_events(
                        settings.base_url,
                        key,
                        uuid,
                        timeout=options.timeout,
                        progress=progress,
                        max_bytes=max_response_bytes(settings),
                        debug=debug,
                    )
                    call.answered(fetched.elapsed, len(fetched.body))
                break
            except RateLimited as error:
                if error.status is not None:  # a 429 from Blueshift
                    raise _hold_after_429(ledger, account, settings.hourly_cap, error) from None
                if last_error is None:
                    raise
                # The cap (or the kept call) is reached: perhaps another process took
                # the last call while we waited.
                notify("not retrying: no call of the hour is left for it")
                raise last_error from None
            except RequestFailed as error:
                if attempt >= options.retries or not _retryable(error):
                    raise
                if not _retry_allowed(ledger, account, settings.hourly_cap, options, notify):
                    raise
                attempt += 1
                last_error = error
                _wait_to_retry(error, attempt, options, notify)
    fetched_at = time.time()
    stored = cache.store(
        uuid, fetched.body, fetched.events, fetched_at=fetched_at, region=settings.region
    )
    notes = []
    if stored.previous_fetched_at is not None:
        count = len(stored.new_keys)
        many = {0: "no new events", 1: "1 new event"}.get(count, f"{count} new events")
        notes.append(f"{many} since the fetch {ago(fetched_at - stored.previous_fetched_at)}")
    return EventsResult(sort_events(fetched.events), uuid, "live", notes, stored.new_keys)


def _wait_to_retry(
    error: RequestFailed, attempt: int, options: FetchOptions, notify: Notify
) -> None:
    jitter = 1 + random.random() / 2  # noqa: S311 - spreading retries, not secrecy
    delay = options.retry_base * 2 ** (attempt - 1) * jitter
    reason = error.message.rstrip(".")
    notify(f"{reason}; retry {attempt} of {options.retries} in {delay:.1f} s")
    time.sleep(delay)


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
    ledger: Ledger,
    settings: Resolved,
    account: str,
    uuid: str | None,
    warn: Notify,
    *,
    force: bool = False,
    endpoint: str | None = None,
) -> Iterator[PaidCall]:
    """The one way a call is paid for: reserve it (RateLimited, without a status, at the
    cap), run the block with its outcome recorded however it ends, then record the good
    answer. A show_events answer also ends any hold a 429 left; a Search customer one,
    which the cap does not count, does not."""
    from bsevents.state.ledger.local import SHOW_EVENTS

    reservation = ledger.reserve(
        account=account,
        profile=settings.profile,
        region=settings.region,
        uuid=uuid,
        limit=settings.hourly_cap,
        endpoint=endpoint or SHOW_EVENTS,
        force=force,
    )
    call = PaidCall(reservation)
    with ledger.recording(reservation):
        yield call
    shows_events = endpoint in (None, SHOW_EVENTS)
    _record_success(
        ledger,
        reservation,
        warn,
        elapsed=call.elapsed,
        nbytes=call.nbytes,
        end_hold_of=account if shows_events else None,
    )


def _ledger_for_calls(settings: Resolved, key: str, warn: Notify) -> Ledger:
    """The ledger, opened to count calls: if it cannot be, no call goes out."""
    from bsevents.state.ledger.db import LedgerUnavailable
    from bsevents.state.stores import open_ledger

    try:
        return open_ledger(settings, key, warn)
    except LedgerUnavailable as problem:
        raise LedgerUnavailable(f"{problem.message}; no call was made", problem.hint) from None


def _record_success(
    ledger: Ledger,
    reservation: Reservation,
    warn: Notify,
    *,
    elapsed: float | None = None,
    nbytes: int | None = None,
    end_hold_of: str | None = None,
) -> None:
    """Record a good answer; one that cannot be recorded stays counted (as pending) and is
    shown all the same: it was paid for."""
    from bsevents.state.ledger.db import LedgerUnavailable

    try:
        ledger.finish(reservation, "200", duration=elapsed, nbytes=nbytes)
        if end_hold_of is not None:
            # Blueshift answered, so whatever hold a 429 left is over.
            ledger.clear_hold(end_hold_of)
    except LedgerUnavailable as problem:
        warn(f"{problem.message}; the call stays counted as pending")


def _announce(budget: Budget, notify: Notify) -> None:
    """Say where the budget stands before a live call after which 3 or fewer remain."""
    from bsevents.state.ledger.local import WARN_AT_REMAINING

    if budget.remaining > WARN_AT_REMAINING:
        return
    over = " (forced past the cap)" if budget.used > budget.limit else ""
    line = f"call {budget.used} of {budget.limit} this hour{over} · {budget.remaining} left"
    if budget.next_slot_at is not None:
        line += f" · next frees at {clock_and_wait(budget.next_slot_at, budget.now)}"
    notify(line)


def _retry_allowed(
    ledger: Ledger, account: str, limit: int, options: FetchOptions, notify: Notify
) -> bool:
    """A retry never crosses the cap, not even after --force, and never spends the calls
    kept for the user: else report the failure that needed it."""
    budget = ledger.budget(account, limit)
    if budget.free_at is not None:
        when = clock_and_wait(budget.free_at, budget.now)
        notify(f"not retrying: the hourly cap is reached (next call free at {when})")
        return False
    if budget.remaining <= options.keep:
        kept = "1 call" if options.keep == 1 else f"{options.keep} calls"
        notify(f"not retrying: {kept} left this hour, kept for you")
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


def _hold_after_429(ledger: Ledger, account: str, limit: int, error: RateLimited) -> RateLimited:
    """Hold back live calls until a slot frees (or Retry-After), and say so."""
    from bsevents.state.ledger.local import REFUSAL_HINT

    after = ledger.budget(account, limit)
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
    ledger.hold(account, until, "429")
    return RateLimited(
        f"{error.message}; live calls are held until {clock_and_wait(until, after.now)}",
        REFUSAL_HINT,
        status=error.status,
    )


@dataclass(frozen=True)
class Quota:
    """The hourly budget, and whose it is."""

    budget: Budget
    profile: str
    region: str
    account: str | None  # region-fingerprint; None when the profile has no record

    @property
    def shared(self) -> bool:
        """Counted in the team's shared store (every member's calls)."""
        from bsevents.state.ledger.shared import SharedBudget

        return isinstance(self.budget, SharedBudget)

    @property
    def fingerprint(self) -> str | None:
        """The short key fingerprint (never the key)."""
        return self.account.split("-", 1)[1] if self.account else None


def get_quota(settings: Resolved, *, warn: Notify = _ignore, debug: Notify = _ignore) -> Quota:
    """The hourly budget of the profile's account. Without a key at hand, the account
    the profile used last in this region; with no record at all, an untouched budget."""
    from bsevents.state.keys import resolve_api_key
    from bsevents.state.ledger.local import account_id
    from bsevents.state.stores import open_ledger

    try:
        key: str | None = resolve_api_key(settings.profile, warn=warn, debug=debug).value
    except AuthProblem:
        key = None
    with open_ledger(settings, key, warn) as ledger:
        if key is not None:
            account: str | None = account_id(settings.region, key)
        else:
            account = ledger.latest_account(settings.profile, settings.region)
        budget = ledger.budget(account or "", settings.hourly_cap)
    return Quota(budget, settings.profile, settings.region, account)


def get_budget(settings: Resolved, *, warn: Notify = _ignore, debug: Notify = _ignore) -> Budget:
    """The hourly budget of the profile's account (see get_quota)."""
    return get_quota(settings, warn=warn, debug=debug).budget


@dataclass(frozen=True)
class EmailMatch:
    """Who an email address belongs to: the match Blueshift recommends, and the others."""

    email: str
    uuid: str
    user: dict[str, Any]
    others: list[dict[str, Any]]
    stored: bool = False  # True when taken from the local mapping (--offline)


def find_by_email(
    settings: Resolved,
    email: str,
    *,
    timeout: float,
    offline: bool,
    warn: Notify = _ignore,
    debug: Notify = _ignore,
) -> EmailMatch:
    """Resolve an email to a customer UUID with Search customer (recorded in the ledger,
    not counted against the show_events cap), and remember the mapping locally."""
    from bsevents.state.cache.local import known_email, remember_email

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
    from bsevents.state.keys import resolve_api_key
    from bsevents.state.ledger.local import SEARCH, account_id

    check_timeout(timeout)
    check_url(search_url(settings.base_url, email))  # before the lookup is recorded
    key = resolve_api_key(settings.profile, warn=warn, debug=debug).value
    account = account_id(settings.region, key)
    with (
        _ledger_for_calls(settings, key, warn) as ledger,
        _paid_call(ledger, settings, account, None, warn, endpoint=SEARCH),
    ):
        match = search_customers(
            settings.base_url,
            key,
            email,
            timeout=timeout,
            max_bytes=max_response_bytes(settings),
            debug=debug,
        )
    uuid = str(match.user["uuid"]).lower()
    if not UUID_RE.match(uuid):
        raise BadResponse(
            f"Search customer answered with a customer id that is not a UUID: "
            f"{shorten(clean(str(match.user['uuid'])), 60)!r}",
            "no events call was made; check the base URL",
        )
    others = [u for u in match.users if str(u.get("uuid", "")).lower() != uuid]
    try:
        remember_email(email, uuid, region=settings.region)
    except OSError as error:
        from bsevents.state.paths import describe_os_error

        warn(
            f"the lookup could not be stored ({describe_os_error(error)}); it is shown but not kept"
        )
    return EmailMatch(email, uuid, match.user, others)
