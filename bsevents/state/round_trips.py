"""How long this account's sent events took to show in show_events: `send --wait`
records each round trip it saw, and the next wait's first poll comes no sooner than the
median, so that no call is spent asking before an event can be there.

Best effort: a record that cannot be read or written is simply not used.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

from bsevents.model.files import read_file
from bsevents.state.paths import state_dir, write_private_atomic

KEEP = 20  # the most recent round trips kept
LONGEST = 3600.0  # a round trip longer than the hour is not a pacing hint
FILE_BYTES = 64 * 1024  # twenty numbers need far less: more is not a record of ours


def round_trips_path(account: str) -> Path:
    return state_dir() / "round-trips" / f"{account}.json"


def recorded(account: str) -> list[float]:
    """The round trips recorded for the account, oldest first; [] when none are known."""
    try:
        # A FIFO or device planted there is refused (NotAFile), never waited on.
        data = json.loads(read_file(round_trips_path(account), FILE_BYTES))
        values = data["seconds"] if data.get("version") == 1 else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return [
        float(v)
        for v in values
        if isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
        and 0 <= v <= LONGEST
    ]


def remember(account: str, seconds: float) -> None:
    """Record one round trip (seconds from the send to the poll that found the event)."""
    if not (math.isfinite(seconds) and 0 <= seconds <= LONGEST):
        return
    kept = [*recorded(account), round(seconds, 1)][-KEEP:]
    try:
        write_private_atomic(
            round_trips_path(account), json.dumps({"version": 1, "seconds": kept}).encode()
        )
    except OSError:
        return


def median_round_trip(account: str) -> float | None:
    """The median recorded round trip, or None when none is recorded."""
    values = recorded(account)
    return statistics.median(values) if values else None
