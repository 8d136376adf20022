"""The ledger's SQLite file in a hostile world: its schema, its identity, its lock, and
what to do when it is damaged.

An I/O problem (a full disk, no permission, another process holding the lock for too
long) is not damage: the file is kept and LedgerUnavailable is raised, so no call goes out
that could not be counted. Damage (not a SQLite database, a corrupt page or header, a
database that is not ours, one of its tables gone, a directory or symlink in its place),
found at any point, is set aside with one warning, and the operation runs again on a new
file.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from bsevents.errors import RequestFailed
from bsevents.state.filelock import SHORT_WAIT_SECONDS
from bsevents.state.paths import (
    FOLDERS_HINT,
    cannot_use,
    describe_os_error,
    ensure_private_dir,
    set_aside,
)

APPLICATION_ID = 0x62736576  # "bsev": marks the SQLite file as a bsevents ledger
# How long to wait for another process's transaction.
LOCK_WAIT_SECONDS = SHORT_WAIT_SECONDS
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
    forced INTEGER NOT NULL DEFAULT 0,
    call_id TEXT
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
    "call_id",
}
_COLUMNS_BEFORE_IDS = _CALL_COLUMNS - {"call_id"}  # a ledger written before calls had ids
# SQLite's primary result codes (the low byte of sqlite_errorcode).
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_SQL_ERROR = 1  # SQLITE_ERROR
_DAMAGE_TEXTS = ("unsupported file format", "no such table", "no such column")
_TABLES = {"calls", "holds", "meta"}

T = TypeVar("T")


class DamagedLedger(Exception):
    """The ledger file is not a readable bsevents ledger."""


class LedgerUnavailable(RequestFailed):
    """The ledger cannot be read or written now (disk full, no permission, locked): not
    damage, so it is kept, and no call goes out that it could not count."""


def _ignore(_: str) -> None:
    return None


def _kind(error: sqlite3.Error) -> str:
    """What an error means for us, from SQLite's result code: busy, damaged or
    unavailable (anything else: a full disk, no permission, an I/O error)."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary in _BUSY_CODES or (primary is None and "locked" in text):
        return "busy"
    if primary in _DAMAGE_CODES or (
        primary is None and ("malformed" in text or "not a database" in text)
    ):
        return "damaged"
    # A generic SQL error from our own fixed statements means the file is not what they
    # were written for: a header SQLite cannot read, or a table or column gone.
    if primary in (_SQL_ERROR, None) and text.startswith(_DAMAGE_TEXTS):
        return "damaged"
    return "unavailable"


class LedgerFile:
    """One open connection to the ledger file, kept healthy: `run()` every operation
    through it."""

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._warn = warn or _ignore
        self.started_reason = NEW
        self._db = self._connect()

    def close(self) -> None:
        self._db.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            return self._waiting(self._open_file)
        except DamagedLedger as damage:
            self._recover(str(damage))
            return self._again(self._open_file)

    def _again(self, operation: Callable[[], T]) -> T:
        """Run `operation` on the new file after a set-aside: damage again is no longer
        something to recover from by setting files aside."""
        try:
            return self._waiting(operation)
        except DamagedLedger as damage:
            raise self.unavailable(f"damaged again after being set aside: {damage}") from None

    def _open_file(self) -> sqlite3.Connection:
        ensure_private_dir(self.path.parent)
        for path in (self.path, *_companions(self.path)):
            if path.is_symlink() or (os.path.lexists(path) and not path.is_file()):
                # Never follow a link into someone else's file, nor open a directory.
                raise DamagedLedger(f"{_role(path, self.path)} is not a regular file")
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
            # An empty file, or a ledger written before the file was marked as ours.
            if tables and _columns(db) not in (_CALL_COLUMNS, _COLUMNS_BEFORE_IDS):
                raise DamagedLedger("it is not a bsevents call ledger")
        db.execute("PRAGMA journal_mode=WAL")
        if db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            if _columns(db) == _COLUMNS_BEFORE_IDS:
                with transaction(db):
                    _give_ids(db)
            _check_tables(db)
            return
        with transaction(db):
            # One statement at a time: executescript() would commit the transaction.
            for statement in _SCHEMA.split(";"):
                db.execute(statement)
            _give_ids(db)
            first = db.execute("SELECT min(at) FROM calls").fetchone()[0]
            now = time.time()
            started = min(number(first) or now, now)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('started_at', ?), "
                "('started_reason', ?)",
                (started, self.started_reason),
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
                raise self.unavailable(str(error), busy=kind == "busy") from None
            except NotADirectoryError as error:
                # A file where the state folder should be: nothing to free or set aside.
                raise LedgerUnavailable(cannot_use(error), FOLDERS_HINT) from None
            except OSError as error:
                raise self.unavailable(describe_os_error(error)) from None

    def unavailable(self, reason: str, *, busy: bool = False) -> LedgerUnavailable:
        if busy:
            return LedgerUnavailable(
                f"the call ledger is locked by another process (waited {LOCK_WAIT_SECONDS:.0f} s)",
                "try again in a moment; if it persists, look for a stuck bsevents process",
            )
        return LedgerUnavailable(
            f"the call ledger {self.path} cannot be used ({reason})",
            "nothing was set aside: free some space or fix the state directory's "
            "permissions, then try again",
        )

    def _recover(self, reason: str) -> None:
        """Set the damaged file aside (with its write-ahead log) and start afresh."""
        try:
            # The log goes too: it belongs to the damaged file (applied to a new one it
            # would corrupt it), and it may hold the calls worth inspecting.
            kept = [
                aside
                for aside in map(_set_aside_if_there, (self.path, *_companions(self.path)))
                if aside is not None
            ]
        except OSError as error:
            raise self.unavailable(
                f"it is damaged ({reason}) and cannot be set aside: {describe_os_error(error)}"
            ) from None
        self.started_reason = AFTER_DAMAGE
        where = f"is kept as {kept[0]}" if kept else "was set aside by another process"
        self._warn(
            f"the call ledger was damaged ({reason}) and {where}; counting starts afresh now "
            "(Blueshift still enforces its own limit)"
        )

    def run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run one operation on the ledger; damage found on the way is set aside and the
        operation runs again on a new ledger."""
        try:
            return self._waiting(lambda: operation(self._db))
        except DamagedLedger as damage:
            self._db.close()
            self._recover(str(damage))
            self._db = self._again(self._open_file)
            return self._again(lambda: operation(self._db))


def _check_tables(db: sqlite3.Connection) -> None:
    """A file marked as our ledger still has its tables and the calls' columns: one
    dropped by hand or by damage would otherwise fail every call as unavailable."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = sorted(_TABLES - tables)
    if missing:
        raise DamagedLedger(f"its {missing[0]} table is missing")
    if _columns(db) != _CALL_COLUMNS:
        raise DamagedLedger("its calls table has other columns")


def _columns(db: sqlite3.Connection) -> set[str]:
    return {row[1] for row in db.execute("PRAGMA table_info(calls)")}


def _give_ids(db: sqlite3.Connection) -> None:
    """Give the calls of a ledger written before calls had ids one each (inside a
    transaction): the team's store puts calls back by their ids, each counted once."""
    if _columns(db) == _COLUMNS_BEFORE_IDS:  # checked again: another process may have
        db.execute("ALTER TABLE calls ADD COLUMN call_id TEXT")
        db.execute("UPDATE calls SET call_id = lower(hex(randomblob(16)))")


def _companions(path: Path) -> tuple[Path, Path]:
    """The write-ahead log and shared-memory files SQLite keeps beside the ledger."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _set_aside_if_there(path: Path) -> Path | None:
    """Set `path` aside; None if it is not there (another process may have just done it)."""
    try:
        return set_aside(path) if os.path.lexists(path) else None
    except FileNotFoundError:
        return None


def _role(path: Path, ledger: Path) -> str:
    return "it" if path == ledger else f"its {path.name.rsplit('-', 1)[1]} file"


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
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


def number(value: object) -> float | None:
    """A stored value as a float, or None when it is not a number (text, NULL, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)
