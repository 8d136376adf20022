"""The record of calls and the hourly budget.

show_events allows 10 calls an hour and sends no rate-limit headers, so we count our own.
Every request is a row in a SQLite file in the user state directory, kept per account
(the region plus a fingerprint of the key, never the key). Checking the budget and
reserving a call is one transaction taken *before* the request goes out: a process killed
mid-request still counts its call, and processes racing each other never exceed the cap
together (BEGIN IMMEDIATE serialises them). The outcome is filled in afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bsevents.errors import BseventsError, NetworkError, RateLimited
from bsevents.paths import ensure_private_dir, state_dir

WINDOW_SECONDS = 3600
SHOW_EVENTS = "show_events"
SEARCH = "customers"
WARN_AT_REMAINING = 3  # warn before a call after which this many or fewer remain
REFUSAL_HINT = "--offline shows the last stored response; --force sends anyway"
PENDING = "pending"  # the call went out and no outcome was recorded (yet)
ANY_ACCOUNT = "*"  # a hold on every account (after a damaged ledger)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    account TEXT NOT NULL,
    profile TEXT NOT NULL,
    region TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    uuid TEXT,
    status TEXT NOT NULL,
    duration REAL,
    bytes INTEGER,
    forced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS calls_window ON calls (account, endpoint, at);
CREATE TABLE IF NOT EXISTS holds (
    account TEXT PRIMARY KEY,
    until REAL NOT NULL,
    reason TEXT NOT NULL
);
"""


def account_id(region: str, key: str) -> str:
    """`us-1a2b3c4d5e6f`: the region and a short fingerprint of the key.

    The hash is salted with a fixed label so the fingerprint cannot be looked up in a
    table of bare SHA-256 digests of keys.
    """
    digest = hashlib.sha256(f"bsevents-account:{key}".encode()).hexdigest()
    return f"{region}-{digest[:12]}"


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
    blocked_until: float | None  # a hold after a server 429 or a damaged ledger
    now: float
    hold_reason: str | None = None  # "429" or "damaged ledger"

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


class DamagedLedger(Exception):
    """The ledger file is not a readable SQLite database."""


def ledger_path() -> Path:
    return state_dir() / "ledger.sqlite3"


def set_aside(path: Path) -> Path:
    """Rename a damaged file to `<name>.damaged-<time>` and return the new path."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    path.replace(aside)
    return aside


class Ledger:
    """The call ledger. Open with `Ledger.open()`; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        ensure_private_dir(path.parent)
        if not path.exists():
            path.touch(mode=0o600)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, which takes the
        # write lock up front so check-and-reserve is atomic across processes.
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DamagedLedger(str(exc)) from None

    @classmethod
    def open(
        cls, path: Path | None = None, on_damage: Callable[[str], None] | None = None
    ) -> Ledger:
        """Open the ledger; a damaged file is moved aside (kept for inspection), reported
        through `on_damage`, and replaced by a new ledger.

        The damaged file may have counted calls in the last hour that can no longer be
        read, so counting is conservative: if it was written to within the window, live
        calls (of every account) are held until that write ages out; --force overrides.
        """
        target = path or ledger_path()
        try:
            return cls(target)
        except DamagedLedger:
            # A modification time in the future (a skewed clock, a copied file) must not
            # hold calls for longer than an hour from now.
            last_write = min(target.stat().st_mtime, time.time())
            aside = set_aside(target)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(OSError):
                    target.with_name(target.name + suffix).unlink()
            ledger = cls(target)
            until = last_write + WINDOW_SECONDS
            message = f"the call ledger was unreadable and is kept as {aside}"
            if until > time.time():
                ledger.hold(ANY_ACCOUNT, until, "damaged ledger")
                from bsevents.timefmt import clock_and_wait

                message += (
                    "; it may have counted calls this hour, so live calls are held until "
                    f"{clock_and_wait(until, time.time())} (--force overrides)"
                )
            else:
                message += "; it was last written over an hour ago, so nothing is lost"
            if on_damage is not None:
                on_damage(message)
            return ledger

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def _budget(self, db: sqlite3.Connection, account: str, limit: int, now: float) -> Budget:
        rows = db.execute(
            "SELECT at, uuid, status, forced FROM calls WHERE account = ? AND endpoint = ? "
            "AND at > ? ORDER BY at, id",
            (account, SHOW_EVENTS, now - WINDOW_SECONDS),
        ).fetchall()
        hold = db.execute(
            "SELECT until, reason FROM holds WHERE account IN (?, ?) ORDER BY until DESC",
            (account, ANY_ACCOUNT),
        ).fetchone()
        blocked = hold[0] if hold and hold[0] > now else None
        calls = tuple(Call(at, uuid, status, bool(forced)) for at, uuid, status, forced in rows)
        return Budget(limit, calls, blocked, now, hold[1] if blocked else None)

    def budget(self, account: str, limit: int, now: float | None = None) -> Budget:
        """The account's budget now, without reserving anything."""
        moment = time.time() if now is None else now
        return self._budget(self._db, account, limit, moment)

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
        capped."""
        moment = time.time() if now is None else now
        with self._transaction() as db:
            budget = self._budget(db, account, limit, moment)
            if endpoint == SHOW_EVENTS and not force and budget.free_at is not None:
                raise refusal(budget)
            cursor = db.execute(
                "INSERT INTO calls (at, account, profile, region, endpoint, uuid, status, forced)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (moment, account, profile, region, endpoint, uuid, PENDING, int(force)),
            )
            row = cursor.lastrowid
            assert row is not None
            after = self._budget(db, account, limit, moment)
        return Reservation(row, after)

    def finish(
        self,
        reservation: Reservation,
        status: str,
        *,
        duration: float | None = None,
        nbytes: int | None = None,
    ) -> None:
        """Record how a reserved call ended: an HTTP status or an error kind."""
        with self._transaction() as db:
            db.execute(
                "UPDATE calls SET status = ?, duration = ?, bytes = ? WHERE id = ?",
                (status, duration, nbytes, reservation.row),
            )

    def release(self, reservation: Reservation) -> None:
        """Give a call back: it certainly never reached the server."""
        with self._transaction() as db:
            db.execute("DELETE FROM calls WHERE id = ?", (reservation.row,))

    @contextlib.contextmanager
    def recording(self, reservation: Reservation) -> Iterator[None]:
        """Run the reserved request inside this block: its outcome is recorded however
        it ends. A success is recorded by the caller with finish() (it knows the size)."""
        started = time.monotonic()
        try:
            yield
        except NetworkError as error:
            if error.reached_server:
                self.finish(reservation, error.kind, duration=time.monotonic() - started)
            else:
                self.release(reservation)
            raise
        except BseventsError as error:
            kind = str(error.status) if error.status is not None else "bad-response"
            self.finish(reservation, kind, duration=time.monotonic() - started)
            raise
        except KeyboardInterrupt:
            self.finish(reservation, "interrupted", duration=time.monotonic() - started)
            raise

    def clear_hold(self, account: str) -> None:
        """End a hold after a 429: Blueshift has answered a call since. (A hold after a
        damaged ledger stays: one answer says nothing about the calls it lost.)"""
        with self._transaction() as db:
            db.execute("DELETE FROM holds WHERE account = ?", (account,))

    def hold(self, account: str, until: float, reason: str) -> None:
        """Hold back live calls for the account until `until` (after a server 429)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO holds (account, until, reason) VALUES (?, ?, ?) "
                "ON CONFLICT(account) DO UPDATE SET until = max(until, excluded.until), "
                "reason = excluded.reason",
                (account, until, reason),
            )

    def latest_account(self, profile: str, region: str) -> str | None:
        """The account most recently used by a profile in a region (for `quota` with no
        key at hand)."""
        row = self._db.execute(
            "SELECT account FROM calls WHERE profile = ? AND region = ? ORDER BY at DESC LIMIT 1",
            (profile, region),
        ).fetchone()
        return row[0] if row else None


def refusal(budget: Budget) -> RateLimited:
    """The error for a call refused by the local cap or a hold after a 429."""
    from bsevents.timefmt import clock_and_wait

    free_at = budget.free_at
    assert free_at is not None
    when = clock_and_wait(free_at, budget.now)
    if budget.blocked_until is not None and budget.blocked_until > budget.now:
        why = (
            "the call ledger was damaged and may have counted calls this hour"
            if budget.hold_reason == "damaged ledger"
            else "Blueshift answered 429 (rate limit)"
        )
        message = f"{why}; live calls are held until {when}"
    else:
        message = (
            f"hourly budget used: {budget.used} of {budget.limit} show_events calls in the "
            f"last 60 min; the next call is free at {when}"
        )
    return RateLimited(message, REFUSAL_HINT)
