"""The record of calls and the hourly budget.

show_events allows 10 calls an hour and sends no rate-limit headers, so we count our own.
Every request is a row in a SQLite file in the user state directory, kept per account
(the region plus a fingerprint of the key, never the key). Checking the budget and
reserving a call is one transaction taken *before* the request goes out: a process killed
mid-request still counts its call, and processes racing each other never exceed the cap
together (BEGIN IMMEDIATE serialises them). The outcome is filled in afterwards.

Keeping the SQLite file healthy (locks, damage, I/O errors) is `ledger_db`. Times read
back are never trusted blindly: a clock that was wrong when a call was recorded must not
hold calls for longer than the window.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bsevents.errors import BseventsError, NetworkError, RateLimited
from bsevents.state.ledger.db import LedgerFile, LedgerUnavailable, number, transaction
from bsevents.state.paths import state_dir

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
    digest = hashlib.sha256(f"bsevents-account:{key}".encode()).hexdigest()
    return f"{region}-{digest[:12]}"


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


def ledger_path() -> Path:
    return state_dir() / "ledger.sqlite3"


class Ledger:
    """The call ledger. Open with `Ledger.open()`; every method is one short transaction.

    Problems are reported through `warn` (one line each); damage found by any method is
    set aside and the method runs again on a new ledger.
    """

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._file = LedgerFile(path, warn)
        self._run = self._file.run

    @classmethod
    def open(cls, path: Path | None = None, warn: Callable[[str], None] | None = None) -> Ledger:
        """Open the ledger; a damaged file is moved aside (kept for inspection), reported
        through `warn`, and replaced by a new ledger. Raises LedgerUnavailable when the
        ledger cannot be opened for a reason that is not damage."""
        return cls(path or ledger_path(), warn)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------

    def _budget(self, db: sqlite3.Connection, account: str, limit: int, now: float) -> Budget:
        rows = db.execute(
            "SELECT at, uuid, status, forced FROM calls WHERE account = ? AND endpoint = ? "
            "AND at > ? ORDER BY at, id",
            (account, SHOW_EVENTS, now - WINDOW_SECONDS),
        ).fetchall()
        calls = []
        for at, uuid, status, forced in rows:
            when = plausible_time(at, now)
            if when is not None:
                calls.append(Call(when, uuid, str(status), bool(forced)))
        calls.sort(key=lambda call: call.at)
        blocked, reason = self._hold(db, account, now)
        since, why = self._started(db, now)
        return Budget(limit, tuple(calls), blocked, now, reason, since, why)

    @staticmethod
    def _hold(db: sqlite3.Connection, account: str, now: float) -> tuple[float | None, str | None]:
        row = db.execute("SELECT until, reason FROM holds WHERE account = ?", (account,)).fetchone()
        if row is None:
            return None, None
        until = number(row[0])
        if until is None or until <= now:
            return None, None
        return min(until, now + WINDOW_SECONDS), str(row[1])

    @staticmethod
    def _started(db: sqlite3.Connection, now: float) -> tuple[float | None, str | None]:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        reason = meta.get("started_reason")
        return plausible_time(meta.get("started_at"), now), str(reason) if reason else None

    def budget(self, account: str, limit: int, now: float | None = None) -> Budget:
        """The account's budget now, without reserving anything."""
        moment = time.time() if now is None else now
        return self._run(lambda db: self._budget(db, account, limit, moment))

    def latest_account(self, profile: str, region: str) -> str | None:
        """The account most recently used by a profile in a region (for `quota` with no
        key at hand)."""
        row = self._run(
            lambda db: db.execute(
                "SELECT account FROM calls WHERE profile = ? AND region = ? "
                "ORDER BY at DESC LIMIT 1",
                (profile, region),
            ).fetchone()
        )
        return str(row[0]) if row else None

    # -- writing ------------------------------------------------------------------------

    def reserve(
        self,
        *,
        account: str,
        profile: str,
        region: str,
        uuid: str | None,
        limit: int,
        endpoint: str = SHOW_EVENTS,
        force: bool = False,
        now: float | None = None,
    ) -> Reservation:
        """Check the budget and count the call, atomically. Raises RateLimited at the cap
        or during a hold after a 429, unless `force`. Search calls are recorded but not
        capped. Raises LedgerUnavailable when the call cannot be counted."""
        moment = time.time() if now is None else now

        def reserve_in(db: sqlite3.Connection) -> Reservation | Budget:
            with transaction(db):
                _forget_future(db, account, moment)
                budget = self._budget(db, account, limit, moment)
                if endpoint == SHOW_EVENTS and not force and budget.free_at is not None:
                    return budget  # refused, once what a wrong clock wrote is corrected
                cursor = db.execute(
                    "INSERT INTO calls (at, account, profile, region, endpoint, uuid, status, "
                    "forced) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (moment, account, profile, region, endpoint, uuid, PENDING, int(force)),
                )
                row = cursor.lastrowid
                assert row is not None
                after = self._budget(db, account, limit, moment)
            return Reservation(row, after)

        try:
            reserved = self._run(reserve_in)
        except LedgerUnavailable as problem:
            raise LedgerUnavailable(f"{problem.message}; no call was made", problem.hint) from None
        if isinstance(reserved, Budget):
            raise refusal(reserved)
        return reserved

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        def write(db: sqlite3.Connection) -> None:
            with transaction(db):
                db.execute(sql, parameters)

        self._run(write)

    def finish(
        self,
        reservation: Reservation,
        status: str,
        *,
        duration: float | None = None,
        nbytes: int | None = None,
    ) -> None:
        """Record how a reserved call ended: an HTTP status or an error kind."""
        self._write(
            "UPDATE calls SET status = ?, duration = ?, bytes = ? WHERE id = ?",
            (status, duration, nbytes, reservation.row),
        )

    def release(self, reservation: Reservation) -> None:
        """Give a call back: it certainly never reached the server."""
        self._write("DELETE FROM calls WHERE id = ?", (reservation.row,))

    @contextlib.contextmanager
    def recording(self, reservation: Reservation) -> Iterator[None]:
        """Run the reserved request inside this block: its outcome is recorded however
        it ends. A success is recorded by the caller with finish() (it knows the size).
        An outcome that cannot be written leaves the call counted as pending, and the
        request's own error is the one raised."""
        started = time.monotonic()
        try:
            yield
        except NetworkError as error:
            if error.reached_server:
                self._settle(reservation, error.kind, time.monotonic() - started)
            else:
                with contextlib.suppress(LedgerUnavailable):
                    self.release(reservation)
            raise
        except BseventsError as error:
            kind = str(error.status) if error.status is not None else "bad-response"
            self._settle(reservation, kind, time.monotonic() - started)
            raise
        except KeyboardInterrupt:
            self._settle(reservation, "interrupted", time.monotonic() - started)
            raise

    def _settle(self, reservation: Reservation, status: str, duration: float) -> None:
        with contextlib.suppress(LedgerUnavailable):
            self.finish(reservation, status, duration=duration)

    def clear_hold(self, account: str) -> None:
        """End a hold after a 429: Blueshift has answered a call since."""
        self._write("DELETE FROM holds WHERE account = ?", (account,))

    def hold(self, account: str, until: float, reason: str, now: float | None = None) -> None:
        """Hold back live calls for the account until `until` (after a server 429), for
        at most one window: the server enforces its limit anyway."""
        now = time.time() if now is None else now
        until = min(until, now + WINDOW_SECONDS) if math.isfinite(until) else now + WINDOW_SECONDS
        self._write(
            "INSERT INTO holds (account, until, reason) VALUES (?, ?, ?) "
            "ON CONFLICT(account) DO UPDATE SET until = max(until, excluded.until), "
            "reason = excluded.reason",
            (account, until, reason),
        )


def _forget_future(db: sqlite3.Connection, account: str, now: float) -> None:
    """Rewrite what a wrong clock stamped in the future: calls count from now (for one
    window, not until the clock catches up), holds end within the window."""
    db.execute(
        "UPDATE calls SET at = ? WHERE account = ? AND endpoint = ? AND at > ?",
        (now, account, SHOW_EVENTS, now + CLOCK_SKEW_SECONDS),
    )
    db.execute(
        "UPDATE holds SET until = ? WHERE account = ? AND NOT (until <= ?)",
        (now + WINDOW_SECONDS, account, now + WINDOW_SECONDS),
    )


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
