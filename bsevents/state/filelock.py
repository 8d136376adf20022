"""One writer at a time: a lock that a process holds while it reads, changes and writes
back a file, so that two bsevents changing the same file at once each keep the other's
change instead of overwriting it.

The lock is an operating-system advisory lock on a separate lock file, because the files
it guards are replaced (not rewritten) on every change, and a lock on the replaced copy
would guard nothing. The system drops the lock when its holder exits, however it exits,
so there is never a stale lock to clean up. Waiting polls with short pauses: it is
bounded, and Ctrl-C ends it at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bsevents.errors import BseventsError

# A holder keeps the lock only while it parses and writes a small file (milliseconds),
# never while it waits for a person or the keyring: ten seconds means it is stuck.
WAIT_SECONDS = 10.0
# For the locks held only for a write of milliseconds (the ledger's, the cache index's),
# taken after a paid call: five seconds means stuck, and the answer must not wait longer.
SHORT_WAIT_SECONDS = 5.0
_LONGEST_PAUSE = 0.05


class LockBusy(BseventsError):
    """Another process held the lock for longer than WAIT_SECONDS."""


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting: True if it is now held."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def locked(lock_file: Path, what: Path, *, wait: float | None = None) -> Iterator[None]:
    """Hold the lock kept in `lock_file` (created 0600 if missing; its directory must
    exist) while the block runs. `what` is the file it guards, for the message when
    waiting gives up (LockBusy) after `wait` seconds (default WAIT_SECONDS)."""
    wait = WAIT_SECONDS if wait is None else wait
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        deadline = time.monotonic() + wait
        pause = 0.001
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockBusy(
                    f"another bsevents has been changing {what} for {wait:g} s; gave up waiting",
                    "try again; if this repeats, look for a bsevents process that is stuck "
                    "(its lock goes away when it ends)",
                )
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock
