"""The local ledger: the record of calls and the hourly budget in a SQLite file.

Every request is a row in a SQLite file in the user state directory, kept per account
(the region plus a fingerprint of the key, never the key). Checking the budget and
reserving a call is one transaction taken *before* the request goes out: a process killed
mid-request still counts its call, and processes racing each other never exceed the cap
together (BEGIN IMMEDIATE serialises them). The outcome is filled in afterwards.

Keeping the SQLite file healthy (locks, damage, I/O errors) is `db.py`. Times read
back are never trusted blindly: a clock that was wrong when a call was recorded must not
hold calls for longer than the window.
"""

from __future__ import annotations

import dataclasses
import math
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bsevents.state.ledger.budget import (
    CLOCK_SKEW_SECONDS,
    PENDING,
    SHOW_EVENTS,
    WINDOW_SECONDS,
    Budget,
    Call,
    Outcome,
    Planned,
    Reservation,
    new_call_id,
    plausible_time,
    refusal,
)
from bsevents.state.ledger.db import LedgerFile, LedgerUnavailable, number, transaction
from bsevents.state.paths import state_dir


def ledger_path() -> Path:
    return state_dir() / "ledger.sqlite3"


class LocalLedger:
    """The call ledger in a local SQLite file (a `Ledger`). Open with
    `LocalLedger.open()`; every method is one short transaction.

    Problems are reported through `warn` (one line each); damage found by any method is
    set aside and the method runs again on a new ledger.
    """

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._file = LedgerFile(path, warn)
        self._run = self._file.run

    @classmethod
    def open(
        cls, path: Path | None = None, warn: Callable[[str], None] | None = None
    ) -> LocalLedger:
        """Open the ledger; a damaged file is moved aside (kept for inspection), reported
        through `warn`, and replaced by a new ledger. Raises LedgerUnavailable when the
        ledger cannot be opened for a reason that is not damage."""
        return cls(path or ledger_path(), warn)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LocalLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------

    def _budget(
        self,
        db: sqlite3.Connection,
        account: str,
        limit: int,
        now: float,
        also: Sequence[Call] = (),
        held_until: float | None = None,
    ) -> Budget:
        rows = db.execute(
            "SELECT at, uuid, status, forced, call_id FROM calls WHERE account = ? "
            "AND endpoint = ? AND at > ? ORDER BY at, id",
            (account, SHOW_EVENTS, now - WINDOW_SECONDS),
        ).fetchall()
        calls = []
        for at, uuid, status, forced, call_id in rows:
            when = plausible_time(at, now)
            if when is not None:
                calls.append(Call(when, uuid, str(status), bool(forced), call_id or None))
        calls.extend(_elsewhere(also, {call.call_id for call in calls}, now))
        calls.sort(key=lambda call: call.at)
        blocked, reason = self._hold(db, account, now)
        if held_until is not None and now < held_until and (blocked or 0) < held_until:
            blocked, reason = min(held_until, now + WINDOW_SECONDS), "429"
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

    def budget(
        self,
        account: str,
        limit: int,
        now: float | None = None,
        *,
        also: Sequence[Call] = (),
        held_until: float | None = None,
    ) -> Budget:
        """The account's budget now, without reserving anything. `also`: calls recorded
        elsewhere that count too (once each, by call id); `held_until`: a hold known from
        elsewhere (both on this machine's clock)."""
        moment = time.time() if now is None else now
        return self._run(lambda db: self._budget(db, account, limit, moment, also, held_until))

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
        planned: Planned,
        *,
        force: bool = False,
        now: float | None = None,
        call_id: str | None = None,
        also: Sequence[Call] = (),
        held_until: float | None = None,
    ) -> Reservation:
        """Check the budget and count the call, atomically. Raises RateLimited at the cap
        or during a hold after a 429, unless `force`. Search calls are recorded but not
        capped. Raises LedgerUnavailable when the call cannot be counted. The call gets
        `call_id` (or a new id); `also` and `held_until` count as in budget()."""
        moment = time.time() if now is None else now
        call = Call(moment, planned.uuid, PENDING, force, call_id or new_call_id())
        account, limit = planned.account, planned.limit

        def reserve_in(db: sqlite3.Connection) -> Reservation | Budget:
            with transaction(db):
                _forget_future(db, account, moment)
                budget = self._budget(db, account, limit, moment, also, held_until)
                if planned.endpoint == SHOW_EVENTS and not force and budget.free_at is not None:
                    return budget  # refused, once what a wrong clock wrote is corrected
                row = _insert(db, call, planned)
                after = self._budget(db, account, limit, moment, also, held_until)
            return Reservation(row, after)

        try:
            reserved = self._run(reserve_in)
        except LedgerUnavailable as problem:
            raise LedgerUnavailable(f"{problem.message}; no call was made", problem.hint) from None
        if isinstance(reserved, Budget):
            raise refusal(reserved)
        return reserved

    def record(self, call: Call, planned: Planned) -> Reservation:
        """Count a show_events call that was allowed elsewhere (the team's store), as it
        is, past the local cap if need be: a fallback later still counts it."""

        def record_in(db: sqlite3.Connection) -> Reservation:
            with transaction(db):
                row = _insert(db, call, planned)
                return Reservation(row, self._budget(db, planned.account, planned.limit, call.at))

        return self._run(record_in)

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        def write(db: sqlite3.Connection) -> None:
            with transaction(db):
                db.execute(sql, parameters)

        self._run(write)

    def finish(self, reservation: Reservation, outcome: Outcome) -> None:
        """Record how a reserved call ended: an HTTP status or an error kind."""
        self._write(
            "UPDATE calls SET status = ?, duration = ?, bytes = ? WHERE id = ?",
            (outcome.status, outcome.duration, outcome.nbytes, reservation.row),
        )

    def release(self, reservation: Reservation) -> None:
        """Give a call back: it certainly never reached the server."""
        self._write("DELETE FROM calls WHERE id = ?", (reservation.row,))

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


def _insert(db: sqlite3.Connection, call: Call, planned: Planned) -> int:
    cursor = db.execute(
        "INSERT INTO calls (at, account, profile, region, endpoint, uuid, status, forced, "
        "call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            call.at,
            planned.account,
            planned.profile,
            planned.region,
            planned.endpoint,
            call.uuid,
            call.status,
            int(call.forced),
            call.call_id,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _elsewhere(also: Iterable[Call], known: set[str | None], now: float) -> list[Call]:
    """The calls recorded elsewhere that are inside the window and not already counted
    here (by call id; one without an id is always counted)."""
    found = []
    for call in also:
        when = plausible_time(call.at, now)
        if when is None or when <= now - WINDOW_SECONDS:
            continue
        if call.call_id is None or call.call_id not in known:
            found.append(dataclasses.replace(call, at=when))
    return found


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
