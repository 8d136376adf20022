"""What this machine last saw of the team's calls, for counting without the store.

While the shared store answers, the times of the calls other members made in the window
are kept in a small local file. When the store cannot be reached, those calls still count
against the cap until they age out: the local ledger alone would say "8 left" when the
team had spent them. It can only over-count (a teammate's call may have been given back
since), which is the safe side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from bsevents.model.files import read_file
from bsevents.state.ledger.budget import WINDOW_SECONDS
from bsevents.state.paths import state_dir, write_private_atomic

LIMIT = 1000  # calls kept; forced calls can pass the cap


def seen_path(account: str) -> Path:
    return state_dir() / "shared" / f"{account}.json"


def remember(account: str, times: Sequence[float]) -> None:
    """Keep the times of teammates' calls (best effort: the store is the record)."""
    data = json.dumps({"version": 1, "others": sorted(times)[-LIMIT:]}).encode()
    try:
        write_private_atomic(seen_path(account), data)
    except OSError:
        return  # counting without the store is then as without a team, and the store says so


def recall(account: str, now: float) -> list[float]:
    """Teammates' calls still in the window when last seen; [] when none are known."""
    try:
        data = json.loads(read_file(seen_path(account)))
        others = data["others"] if data.get("version") == 1 else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    if not isinstance(others, list):
        return []
    return [
        float(at)
        for at in others[:LIMIT]
        if isinstance(at, (int, float)) and math.isfinite(at) and now - WINDOW_SECONDS < at <= now
    ]
