"""What every ledger shares: the budget's arithmetic, the records it is made of, and the
`Ledger` interface that the local ledger (SQLite, `local.py`) and the team's shared one
(Redis, `shared.py`) both implement.

show_events allows 10 calls an hour and sends no rate-limit headers, so bsevents counts
its own. A call is reserved (counted) before it goes out and its outcome recorded after;
`recording` is that bracket, the same for either ledger.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from bsevents.errors import BseventsError, NetworkError, RateLimited
from bsevents.state.ledger.db import LedgerUnavailable, number

WINDOW_SECONDS = 3600
SHOW_EVENTS = "show_events"
SEARCH = "customers"
WARN_AT_REMAINING = 3  # warn before a call after which this many or fewer remain
REFUSAL_HINT = "--offline shows the last stored response; --force sends anyway"
PENDING = "pending"  # the call went out and no outcome was recorded (yet)
CLOCK_SKEW_SECONDS = 300  # a time further ahead than this was written by a wrong clock


def account_id(region: str, key: str) -> str:
    """`us-1a2b3c4d5e6f`: the region and a short fingerprint of the key.

    The hash is salted with a fixed label so the fingerprint cannot be looked up in a
    table of bare SHA-256 digests of keys.
    """
    return f"{region}-{key_print(key)}"


def key_print(key: str) -> str:
    """The region-free part of an account id: a salted hash of the key, 12 hex digits."""
    return hashlib.sha256(f"bsevents-account:{key}".encode()).hexdigest()[:12]


# What a call's id and outcome may look like when read back from a file or a store.
CALL_ID_RE = re.compile(r"[0-9a-f]{32}")
_OUTCOME_RE = re.compile(r"[A-Za-z0-9-]{1,32}")


def outcome_of(value: object) -> str:
    """A call's recorded outcome (`200`, `timeout`, `429`) as read back from a file or a
    store that anyone with access could have written; PENDING for anything else."""
    return value if isinstance(value, str) and _OUTCOME_RE.fullmatch(value) else PENDING


def new_call_id() -> str:
    """A call's id: 32 random hex digits, unique across every member of a team."""
    return os.urandom(16).hex()


def plausible_time(value: object, now: float) -> float | None:
    """A stored time as a number no later than the window from now, or None when it is
    no time at all. Anything later (a wrong clock, a huge Retry-After) is brought back to
    `now`, so it counts for at most one window and never overflows a date conversion."""
    number_ = number(value)
    if number_ is None:
        return None
    return now if number_ > now + CLOCK_SKEW_SECONDS else max(0.0, number_)


@dataclass(frozen=True)
class Call:
    at: float
    uuid: str | None
    status: str
    forced: bool = False
    # The call's id, the same in the local ledger and the team's store, so a call known
    # to both (or put back into the store after an outage) is counted once.
    call_id: str | None = field(default=None, compare=False)
    by: str | None = None  # the member (user@host) who made it, in the team's count


@dataclass(frozen=True)
class Budget:
    """The hourly budget of one account, at one moment."""

    limit: int
    calls: tuple[Call, ...]  # show_events calls in the window, oldest first
    blocked_until: float | None  # a hold after a server 429
    now: float
    hold_reason: str | None = None  # "429"
    counting_since: float | None = None  # when this ledger started counting
    counting_reason: str | None = None  # NEW or AFTER_DAMAGE
    # Counted in a team's shared store (every member's calls), not only this machine's.
    shared: ClassVar[bool] = False

    @property
    def used(self) -> int:
        return len(self.calls)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def next_slot_at(self) -> float | None:
        """When the next slot frees: when the oldest call in the window ages out or, past
        the cap (after --force), when enough have aged out to bring it under the cap."""
        if not self.calls:
            return None
        return self.calls[max(0, self.used - self.limit)].at + WINDOW_SECONDS

    @property
    def free_at(self) -> float | None:
        """When a call may go out without --force: None if it may go out now."""
        waits = []
        if self.blocked_until is not None and self.blocked_until > self.now:
            waits.append(self.blocked_until)
        if self.used >= self.limit and self.next_slot_at is not None:
            waits.append(self.next_slot_at)
        return max(waits) if waits else None


@dataclass(frozen=True)
class Reservation:
    """A call counted before it is sent; finish() or release() it afterwards."""

    row: int
    budget_after: Budget  # the budget with this call counted


@dataclass(frozen=True)
class Outcome:
    """How a call ended: an HTTP status or an error kind, and for an answer, how long it
    took and how large it was."""

    status: str
    duration: float | None = None
    nbytes: int | None = None


@dataclass(frozen=True)
class Planned:
    """A call about to be made: whose budget it spends, and what it asks."""

    account: str
    profile: str
    region: str
    uuid: str | None  # the customer, for show_events; None for a Search customer call
    limit: int  # the hourly cap
    endpoint: str = SHOW_EVENTS


class Ledger(Protocol):
    """The record of calls of one or more accounts. Every method is one short step that
    either completes or raises LedgerUnavailable; none of them prints."""

    def budget(self, account: str, limit: int, now: float | None = None) -> Budget:
        """The account's budget now, without reserving anything."""
        ...

    def latest_account(self, profile: str, region: str) -> str | None:
        """The account a profile used last in a region (for `quota` with no key at hand)."""
        ...

    def reserve(
        self, planned: Planned, *, force: bool = False, now: float | None = None
    ) -> Reservation:
        """Check the budget and count the call, atomically. Raises RateLimited (without a
        status) at the cap or during a hold after a 429, unless `force`; Search calls are
        recorded but not capped."""
        ...

    def finish(self, reservation: Reservation, outcome: Outcome) -> None:
        """Record how a reserved call ended: an HTTP status or an error kind."""
        ...

    def release(self, reservation: Reservation) -> None:
        """Give a call back: it certainly never reached the server."""
        ...

    def hold(self, account: str, until: float, reason: str, now: float | None = None) -> None:
        """Hold back live calls for the account until `until` (after a 429), for at most
        one window."""
        ...

    def clear_hold(self, account: str) -> None:
        """End a hold after a 429: Blueshift has answered a call since."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Ledger: ...

    def __exit__(self, *exc: object) -> None: ...


@contextlib.contextmanager
def recording(ledger: Ledger, reservation: Reservation) -> Iterator[None]:
    """Run the reserved request inside this block: its outcome is recorded however it
    ends. A success is recorded by the caller with finish() (it knows the size). An
    outcome that cannot be written leaves the call counted as pending, and the request's
    own error is the one raised."""
    started = time.monotonic()

    def settle(status: str) -> None:
        with contextlib.suppress(LedgerUnavailable):
            ledger.finish(reservation, Outcome(status, time.monotonic() - started))

    try:
        yield
    except NetworkError as error:
        if error.reached_server:
            settle(error.kind)
        else:
            with contextlib.suppress(LedgerUnavailable):
                ledger.release(reservation)
        raise
    except BseventsError as error:
        settle(str(error.status) if error.status is not None else "bad-response")
        raise
    except KeyboardInterrupt:
        settle("interrupted")
        raise


def refusal(budget: Budget) -> RateLimited:
    """The error for a call refused by the local cap or a hold after a 429."""
    from bsevents.model.times import clock_and_wait

    free_at = budget.free_at
    assert free_at is not None
    when = clock_and_wait(free_at, budget.now)
    if budget.blocked_until is not None and budget.blocked_until > budget.now:
        message = f"Blueshift answered 429 (rate limit); live calls are held until {when}"
    else:
        message = (
            f"hourly budget used: {budget.used} of {budget.limit} show_events calls in the "
            f"last 60 min; the next call is free at {when}"
        )
    return RateLimited(message, REFUSAL_HINT)
