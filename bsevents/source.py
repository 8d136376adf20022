"""Where a command's events come from: the bundled demo, the store, or a live call
(saved files are `saved.py`).

`get_customer_events` is the core of `bsevents events`. It returns data and never
prints: notes meant for the user before a slow call goes out are passed to `notify`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
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
from bsevents.events import Event, check_events, sort_events
from bsevents.timefmt import ago, clock_and_wait

if TYPE_CHECKING:  # imported lazily at run time: the demo and --help need none of them
    from bsevents.cache import Cache, Stored
    from bsevents.client import Progress
    from bsevents.ledger import Budget, Ledger
    from bsevents.settings import Resolved

Origin = Literal["demo", "live", "cache", "file"]
DEMO_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
Notify = Callable[[str], None]


@dataclass(frozen=True)
class EventsResult:
    """Sorted events, what they are, and which of them are new since the fetch before."""

    events: list[Event]
    uuid: str
    origin: Origin
    notes: list[str] = field(default_factory=list)
    new_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 30.0
    refresh: bool = False  # a live call even when a fresh stored response exists
    offline: bool = False  # never call; show the stored response
    force: bool = False  # call even at the hourly cap or during a hold after a 429
    retries: int = 2  # for 502/503/504 and dropped connections; each one is a ledger entry
    retry_base: float = 0.5  # seconds before the first retry; doubles, with jitter
    keep: int = 0  # calls of the hour retries leave alone (--watch keeps one for the user)

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        if not 0 <= self.retries <= MAX_RETRIES:
            raise UsageProblem(f"--retries {self.retries} is not between 0 and {MAX_RETRIES}")


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

    text = files("bsevents").joinpath("data/demo.json").read_text(encoding="utf-8")
    return check_events(json.loads(text))


def get_demo() -> EventsResult:
    return EventsResult(sort_events(demo_events()), DEMO_UUID, "demo")


def _ignore(_: str) -> None:
    return None


def get_customer_events(
    settings: Resolved,
    uuid: str,
    options: FetchOptions,
    *,
    notify: Notify = _ignore,
    warn: Notify = _ignore,
    progress: Progress | None = None,
) -> EventsResult:
    """One customer's events: from the store when fresh (or --offline), else live, within
    the hourly budget. Every live call is in the ledger; every good answer is stored."""
    from bsevents.cache import Cache, find_any
    from bsevents.credentials import resolve_api_key
    from bsevents.ledger import account_id

    if options.offline and (options.refresh or options.force):
        raise UsageProblem("--offline never calls; it cannot be combined with --refresh/--force")
    now = time.time()
    try:
        key = resolve_api_key(settings.profile)
    except AuthProblem:
        if not options.offline:
            raise
        # Viewing what is stored needs no key: take the newest copy in this region.
        stored = find_any(uuid, settings.region)
        if stored is None:
            raise _nothing_stored(uuid) from None
        return _from_store(stored, now, "stored response", None)
    account = account_id(settings.region, key.value)
    cache = Cache(account, on_damage=warn)
    stored = cache.load(uuid)
    if options.offline:
        if stored is None:
            raise _nothing_stored(uuid)
        return _from_store(stored, now, "stored response", None)
    live = options.refresh or options.force or settings.cache_ttl <= 0
    if stored is not None and not live and now - stored.fetched_at < settings.cache_ttl:
        from bsevents.ledger import Ledger

        with Ledger.open(on_damage=warn) as ledger:
            left = ledger.budget(account, settings.hourly_cap, now).remaining
        return _from_store(stored, now, "from cache", left)
    try:
        return _fetch_live(
            settings, uuid, options, key.value, account, cache, notify, warn, progress
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


def _nothing_stored(uuid: str) -> RequestFailed:
    return RequestFailed(
        f"nothing is stored for customer {uuid}",
        "run without --offline to fetch it (one call of the hourly budget)",
    )


def _from_store(stored: Stored, now: float, label: str, left: int | None) -> EventsResult:
    note = f"{label}, fetched {ago(now - stored.fetched_at)}"
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
    progress: Progress | None,
) -> EventsResult:
    from bsevents.client import check_url, fetch_events
    from bsevents.endpoints import show_events_url
    from bsevents.ledger import Ledger

    check_url(show_events_url(settings.base_url, uuid))  # before a call is counted
    with Ledger.open(on_damage=warn) as ledger:
        attempt = 0
        last_error: RequestFailed | None = None
        while True:
            try:
                reservation = ledger.reserve(
                    account=account,
                    profile=settings.profile,
                    region=settings.region,
                    uuid=uuid,
                    limit=settings.hourly_cap,
                    # --force buys one call past the cap, never its retries.
                    force=options.force and not attempt,
                )
            except RateLimited:
                if last_error is None:
                    raise
                # The cap (or the kept call) is reached: perhaps another process took
                # the last call while we waited.
                notify("not retrying: no call of the hour is left for it")
                raise last_error from None
            _announce(reservation.budget_after, notify)
            try:
                with ledger.recording(reservation):
                    fetched = fetch_events(
                        settings.base_url,
                        key,
                        uuid,
                        timeout=options.timeout,
                        progress=progress,
                        max_bytes=max_response_bytes(settings),
                    )
            except RateLimited as error:
                raise _hold_after_429(ledger, account, settings.hourly_cap, error) from None
            except RequestFailed as error:
                if attempt >= options.retries or not _retryable(error):
                    raise
                if not _retry_allowed(ledger, account, settings.hourly_cap, options, notify):
                    raise
                attempt += 1
                last_error = error
                jitter = 1 + random.random() / 2  # noqa: S311 - spreading retries, not secrecy
                delay = options.retry_base * 2 ** (attempt - 1) * jitter
                reason = error.message.rstrip(".")
                notify(f"{reason}; retry {attempt} of {options.retries} in {delay:.1f} s")
                time.sleep(delay)
                continue
            ledger.finish(reservation, "200", duration=fetched.elapsed, nbytes=len(fetched.body))
            # Blueshift answered, so whatever hold a 429 left is over.
            ledger.clear_hold(account)
            break
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


def _announce(budget: Budget, notify: Notify) -> None:
    """Say where the budget stands before a live call after which 3 or fewer remain."""
    from bsevents.ledger import WARN_AT_REMAINING

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
    from bsevents.bounded import MB
    from bsevents.settings import DEFAULT_RESPONSE_MB

    return int(settings.values.get("max-response-mb", DEFAULT_RESPONSE_MB)) * MB


def _retryable(error: RequestFailed) -> bool:
    """502, 503, 504 and dropped or refused connections; not timeouts, which already
    waited as long as the user allowed."""
    if isinstance(error, NetworkError):
        return error.kind != "timeout"
    return error.status in (502, 503, 504)


def _hold_after_429(ledger: Ledger, account: str, limit: int, error: RateLimited) -> RateLimited:
    """Hold back live calls until a slot frees (or Retry-After), and say so."""
    from bsevents.ledger import REFUSAL_HINT

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


def get_budget(settings: Resolved, *, warn: Notify = _ignore) -> Budget:
    """The hourly budget of the profile's account. Without a key at hand, the account
    the profile used last in this region; with no record at all, an untouched budget."""
    from bsevents.credentials import resolve_api_key
    from bsevents.ledger import Ledger, account_id

    with Ledger.open(on_damage=warn) as ledger:
        try:
            account: str | None = account_id(
                settings.region, resolve_api_key(settings.profile).value
            )
        except AuthProblem:
            account = ledger.latest_account(settings.profile, settings.region)
        if account is None:
            from bsevents.ledger import Budget

            return Budget(settings.hourly_cap, (), None, time.time())
        return ledger.budget(account, settings.hourly_cap)


@dataclass(frozen=True)
class EmailMatch:
    """Who an email address belongs to: the match Blueshift recommends, and the others."""

    email: str
    uuid: str
    user: dict[str, Any]
    others: list[dict[str, Any]]
    stored: bool = False  # True when taken from the local mapping (--offline)


def find_by_email(
    settings: Resolved, email: str, *, timeout: float, offline: bool, warn: Notify = _ignore
) -> EmailMatch:
    """Resolve an email to a customer UUID with Search customer (recorded in the ledger,
    not counted against the show_events cap), and remember the mapping locally."""
    from bsevents.cache import known_email, remember_email

    if offline:
        uuid = known_email(email)
        if uuid is None:
            raise RequestFailed(
                f"no stored lookup for {email}",
                "run without --offline once to look the address up (it costs no events call)",
            )
        return EmailMatch(email, uuid, {"uuid": uuid}, [], stored=True)
    from bsevents.client import check_url, search_customers
    from bsevents.credentials import resolve_api_key
    from bsevents.customer import UUID_RE
    from bsevents.endpoints import search_url
    from bsevents.ledger import SEARCH, Ledger, account_id
    from bsevents.sanitize import clean, shorten

    check_timeout(timeout)
    check_url(search_url(settings.base_url, email))  # before the lookup is recorded
    key = resolve_api_key(settings.profile).value
    account = account_id(settings.region, key)
    with Ledger.open(on_damage=warn) as ledger:
        reservation = ledger.reserve(
            account=account,
            profile=settings.profile,
            region=settings.region,
            uuid=None,
            limit=settings.hourly_cap,
            endpoint=SEARCH,
        )
        with ledger.recording(reservation):
            match = search_customers(
                settings.base_url,
                key,
                email,
                timeout=timeout,
                max_bytes=max_response_bytes(settings),
            )
        ledger.finish(reservation, "200")
    uuid = str(match.user["uuid"]).lower()
    if not UUID_RE.match(uuid):
        raise BadResponse(
            f"Search customer answered with a customer id that is not a UUID: "
            f"{shorten(clean(str(match.user['uuid'])), 60)!r}",
            "no events call was made; check the base URL",
        )
    others = [u for u in match.users if str(u.get("uuid", "")).lower() != uuid]
    remember_email(email, uuid, region=settings.region)
    return EmailMatch(email, uuid, match.user, others)
