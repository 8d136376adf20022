"""The record of calls and the hourly budget.

show_events allows 10 calls an hour and sends no rate-limit headers, so we count our own.
Every request is a row in a SQLite file in the user state directory, kept per account
(the region plus a fingerprint of the key, never the key). Checking the budget and
reserving a call is one transaction taken *before* the request goes out: a process killed
mid-request still counts its call, and processes racing each other never exceed the cap
together (BEGIN IMMEDIATE serialises them). The outcome is filled in afterwards.

The file lives in a hostile world. An I/O problem (a full disk, no permission, another
process holding the lock for too long) is not damage: the ledger is kept and the call is
refused (LedgerUnavailable). Damage (a file that is not a SQLite database, a corrupt page,
a database that is not ours, a directory or symlink in its place), found at any point, is
set aside and counting starts afresh. Times read back are never trusted blindly: a clock
that was wrong when a call was recorded must not hold calls for longer than the window.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bsevents.errors import BseventsError, NetworkError, RateLimited, RequestFailed
from bsevents.paths import describe_os_error, ensure_private_dir, set_aside, state_dir

WINDOW_SECONDS = 3600
SHOW_EVENTS = "show_events"
SEARCH = "customers"
WARN_AT_REMAINING = 3  # warn before a call after which this many or fewer remain
REFUSAL_HINT = "--offline shows the last stored response; --force sends anyway"
PENDING = "pending"  # the call went out and no outcome was recorded (yet)
APPLICATION_ID = 0x62736576  # "bsev": marks the SQLite file as a bsevents ledger
LOCK_WAIT_SECONDS = 5.0  # how long to wait for another process's transaction
CLOCK_SKEW_SECONDS = 300  # a time further ahead than this was written by a wrong clock
NEW = "new"  # why counting started: a new ledger...
AFTER_DAMAGE = "damaged ledger set aside"  # ...or one that replaced a damaged ledger

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
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value
);
"""
_CALL_COLUMNS = {
    "id",
    "at",
    "account",
    "profile",
    "region",
    "endpoint",
    "uuid",
    "status",
    "duration",
    "bytes",
    "forced",
}
# SQLite's primary result codes (the low byte of sqlite_errorcode).
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB

T = TypeVar("T")


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
    number = _number(value)
    if number is None:
        return None
    return now if number > now + CLOCK_SKEW_SECONDS else max(0.0, number)


def _number(value: object) -> float | None:
    """A stored value as a float, or None when it is not a number (text, NULL, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


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


class DamagedLedger(Exception):
    """The ledger file is not a readable bsevents ledger."""


class LedgerUnavailable(RequestFailed):
    """The ledger cannot be read or written now (disk full, no permission, locked): not
    damage, so it is kept, and no call goes out that it could not count."""


def ledger_path() -> Path:
    return state_dir() / "ledger.sqlite3"


def _ignore(_: str) -> None:
    return None


def _kind(error: sqlite3.Error) -> str:
    """ "busy", "damaged" or "unavailable", from SQLite's result code."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary in _BUSY_CODES or (primary is None and "locked" in text):
        return "busy"
    if primary in _DAMAGE_CODES or (
        primary is None and ("malformed" in text or "not a database" in text)
    ):
        return "damaged"
    return "unavailable"


class Ledger:
    """The call ledger. Open with `Ledger.open()`; every method is one short transaction.

    Problems are reported through `warn` (one line each); damage found by any method is
    set aside and the method runs again on a new ledger.
    """

    def __init__(self, path: Path, warn: Callable[[str], None] = _ignore) -> None:
        self.path = path
        self._warn = warn
        self._started_reason = NEW
        self._db = self._connect()

    @classmethod
    def open(cls, path: Path | None = None, warn: Callable[[str], None] | None = None) -> Ledger:
        """Open the ledger; a damaged file is moved aside (kept for inspection), reported
        through `warn`, and replaced by a new ledger. Raises LedgerUnavailable when the
        ledger cannot be opened for a reason that is not damage."""
        return cls(path or ledger_path(), warn or _ignore)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- opening, and what goes wrong -------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            return self._waiting(self._open_file)
        except DamagedLedger as damage:
            self._recover(str(damage))
            return self._waiting(self._open_file)

    def _open_file(self) -> sqlite3.Connection:
        ensure_private_dir(self.path.parent)
        if self.path.is_symlink() or (os.path.lexists(self.path) and not self.path.is_file()):
            # Never follow a link into someone else's database, nor open a directory.
            raise DamagedLedger("it is not a regular file")
        if not self.path.exists():
            self.path.touch(mode=0o600)
        # A short busy timeout: _waiting retries in Python, where Ctrl-C is heard.
        db = sqlite3.connect(self.path, timeout=0.1, isolation_level=None)
        try:
            self._prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def _prepare(self, db: sqlite3.Connection) -> None:
        """Check that the file is our ledger (or empty) and bring its schema up to date."""
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            columns = {row[1] for row in db.execute("PRAGMA table_info(calls)")}
            # An empty file, or a ledger written before the file was marked as ours.
            if tables and columns != _CALL_COLUMNS:
                raise DamagedLedger("it is not a bsevents call ledger")
        db.execute("PRAGMA journal_mode=WAL")
        if db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            return
        with _transaction(db):
            # One statement at a time: executescript() would commit the transaction.
            for statement in _SCHEMA.split(";"):
                db.execute(statement)
            first = db.execute("SELECT min(at) FROM calls").fetchone()[0]
            started = plausible_time(first, time.time()) or time.time()
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('started_at', ?), "
                "('started_reason', ?)",
                (started, self._started_reason),
            )
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def _waiting(self, operation: Callable[[], T]) -> T:
        """Run `operation`, waiting at most LOCK_WAIT_SECONDS for another process's lock.
        SQLite and OS errors become DamagedLedger or LedgerUnavailable."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                return operation()
            except sqlite3.Error as error:
                kind = _kind(error)
                if kind == "busy" and time.monotonic() < deadline:
                    continue
                if kind == "damaged":
                    raise DamagedLedger(str(error)) from None
                raise self._unavailable(str(error), busy=kind == "busy") from None
            except OSError as error:
                raise self._unavailable(describe_os_error(error)) from None

    def _unavailable(self, reason: str, *, busy: bool = False) -> LedgerUnavailable:
        if busy:
            return LedgerUnavailable(
                f"the call ledger is locked by another process (waited "
                f"{LOCK_WAIT_SECONDS:.0f} s); no call was made",
                "try again in a moment; if it persists, look for a stuck bsevents process",
            )
        return LedgerUnavailable(
            f"the call ledger {self.path} cannot be used ({reason}); no call was made",
            "the ledger is kept as it is: free some space or fix the state directory's "
            "permissions, then try again",
        )

    def _recover(self, reason: str) -> None:
        """Set the damaged file aside (with its write-ahead log) and start afresh."""
        try:
            aside = set_aside(self.path)
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists():
                # The log belongs to the damaged file: applied to a new one it would
                # corrupt it, and it may hold the calls worth inspecting.
                os.rename(wal, aside.with_name(aside.name + "-wal"))
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + "-shm").unlink()
        except OSError as error:
            raise self._unavailable(
                f"it is damaged ({reason}) and cannot be set aside: {describe_os_error(error)}"
            ) from None
        self._started_reason = AFTER_DAMAGE
        self._warn(
            f"the call ledger was damaged ({reason}) and is kept as {aside}; counting starts "
            "afresh now (Blueshift still enforces its own limit)"
        )

    def _run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run one operation on the ledger; damage found on the way is set aside and the
        operation runs again on a new ledger."""
        try:
            return self._waiting(lambda: operation(self._db))
        except DamagedLedger as damage:
            self._db.close()
            self._recover(str(damage))
            self._db = self._waiting(self._open_file)
            return self._waiting(lambda: operation(self._db))

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
        until = _number(row[0])
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
            with _transaction(db):
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

        reserved = self._run(reserve_in)
        if isinstance(reserved, Budget):
            raise refusal(reserved)
        return reserved

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        def write(db: sqlite3.Connection) -> None:
            with _transaction(db):
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


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # BEGIN IMMEDIATE takes the write lock up front, so check-and-reserve is atomic
    # across processes.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


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
    from bsevents.timefmt import clock_and_wait

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
