"""What this member last saw in the team's store, for counting without it and for putting
back what the store loses.

At every contact with the store, a small local file keeps the calls of the window as the
store had them (every member's, this one's too, each with its id and its time on the
store's clock), the hold after a 429 if there was one, and how far the store's clock was
from this machine's. When the store cannot be reached, those calls and that hold keep
counting, on the store's clock, until their hour ends: the local ledger alone would say
"8 left" when the team had spent them, and a machine whose clock is two hours behind would
take them for calls two hours ahead. When the store comes back without them (restarted
without persistence, keys evicted), they are what this member puts back. It can only
over-count (a teammate's call may have been given back since), which is the safe side.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bsevents.model.customer import UUID_RE
from bsevents.model.files import read_file
from bsevents.state.ledger.budget import CALL_ID_RE, Call, outcome_of
from bsevents.state.ledger.db import number
from bsevents.state.paths import state_dir, write_private_atomic
from bsevents.state.redis_store import clean_who

LIMIT = 1000  # calls kept; forced calls can pass the cap
FILE_BYTES = 1024 * 1024  # far more than LIMIT calls take
MAX_OFFSET = 10 * 365 * 86400.0  # a clock further off than ten years is no clock
VERSION = 2


@dataclass(frozen=True)
class Seen:
    """The team's calls and hold as last seen in the store."""

    calls: tuple[Call, ...] = ()  # on the store's clock
    hold: float | None = None  # the end of a hold after a 429, on the store's clock
    offset: float = 0.0  # the store's clock minus this machine's, at that contact

    def here(self) -> Seen:
        """The same on this machine's clock (with the offset of the last contact)."""
        if not self.offset:
            return self
        calls = tuple(dataclasses.replace(c, at=c.at - self.offset) for c in self.calls)
        hold = None if self.hold is None else self.hold - self.offset
        return Seen(calls, hold, 0.0)


def seen_path(account: str) -> Path:
    return state_dir() / "shared" / f"{account}.json"


def remember(account: str, seen: Seen) -> None:
    """Keep what was seen (best effort: the store is the record)."""
    calls = sorted(seen.calls, key=lambda call: call.at)[-LIMIT:]
    data = {
        "version": VERSION,
        "offset": seen.offset,
        "hold": seen.hold,
        "calls": [
            {
                "id": c.call_id,
                "at": c.at,
                "uuid": c.uuid,
                "status": c.status,
                "forced": c.forced,
                "by": c.by,
            }
            for c in calls
        ],
    }
    try:
        write_private_atomic(seen_path(account), json.dumps(data).encode())
    except OSError:
        return  # counting without the store is then as without a team, and the store says so


def recall(account: str) -> Seen:
    """What was last seen; nothing when no file, or an unreadable one, is found."""
    try:
        data = json.loads(read_file(seen_path(account), FILE_BYTES))
    except (OSError, ValueError):
        return Seen()
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return Seen()
    offset = _time(data.get("offset"))
    calls = data.get("calls")
    if offset is None or abs(offset) > MAX_OFFSET or not isinstance(calls, list):
        return Seen()
    found = (_call(item) for item in calls[:LIMIT])
    return Seen(tuple(c for c in found if c is not None), _time(data.get("hold")), offset)


def forget(account: str, *, call_id: str | None = None, hold: bool = False) -> None:
    """Drop a call given back, or a hold that ended, from what was seen: neither may be
    counted, nor put back into the store, later."""
    seen = recall(account)
    calls = tuple(c for c in seen.calls if call_id is None or c.call_id != call_id)
    if calls != seen.calls or (hold and seen.hold is not None):
        remember(account, Seen(calls, None if hold else seen.hold, seen.offset))


def _time(value: Any) -> float | None:
    found = number(value)
    return found if found is not None and math.isfinite(found) else None


def _call(item: Any) -> Call | None:
    """A call from the file (ours, but read as any input is: checked and bounded)."""
    if not isinstance(item, dict):
        return None
    at = _time(item.get("at"))
    if at is None:
        return None
    call_id, uuid, status = (item.get(name) for name in ("id", "uuid", "status"))
    return Call(
        at,
        uuid if isinstance(uuid, str) and UUID_RE.fullmatch(uuid) else None,
        outcome_of(status),
        item.get("forced") is True,
        call_id if isinstance(call_id, str) and CALL_ID_RE.fullmatch(call_id) else None,
        clean_who(item.get("by")),
    )
