"""What every store of responses shares: a stored copy (`Stored`), the `Cache` interface
that local files (`local.py`) and the team's Redis (`shared.py`) both implement, and the
one format of an entry, which both write.

An entry is the body exactly as Blueshift sent it (checked to be a JSON array of objects,
and kept byte for byte so the objects stay as sent), inside a small JSON object of facts
about the fetch. Whatever is read back is checked like untrusted input.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bsevents.model.events import Event, check_events, event_key
from bsevents.model.json_text import load_json
from bsevents.model.times import LATEST_TIME

FORMAT = 1


@dataclass(frozen=True)
class Stored:
    """A stored response and what was new in it when it was fetched."""

    uuid: str
    events: list[Event]  # as received, not sorted
    fetched_at: float
    region: str
    new_keys: frozenset[str]  # events not in the response this one replaced
    previous_fetched_at: float | None  # when the replaced response was fetched
    by: str | None = None  # the teammate (user@host) who fetched it, for a shared copy


@dataclass(frozen=True)
class Answer:
    """A good show_events answer, as it is to be kept."""

    uuid: str
    body: bytes  # exactly as received: kept byte for byte
    events: Sequence[Event]
    fetched_at: float
    region: str


class Cache(Protocol):
    """Stored responses of one account at one API base URL. Problems are reported (one
    line each) and never raised: a store that fails costs the copy, not the answer."""

    def load(self, uuid: str) -> Stored | None:
        """The stored response for a customer, or None."""
        ...

    def store(self, answer: Answer, previous: Stored | None) -> Stored:
        """Keep a good answer, marking which events are new since `previous` (the copy
        the caller loaded before the call: loading it again would race other writers)."""
        ...


def store_name(account: str, base_url: str) -> str:
    """`us-1a2b3c4d5e6f@0a1b2c3d`: one account at one API base URL, so a response fetched
    from a stand-in (--base-url) is never shown for the real API."""
    return f"{account}@{url_digest(base_url)[:8]}"


def url_digest(base_url: str) -> str:
    """A base URL as a name part: the same URL, with or without a final slash, one name."""
    return hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()


def checked_time(value: Any) -> float:
    """A stored time, checked: a number between 1970 and 3000, else the entry is damaged."""
    number = float(value)
    if not (math.isfinite(number) and 0 <= number < LATEST_TIME):
        raise ValueError(f"implausible time {number}")
    return number


def new_since(previous: Stored | None, events: Sequence[Event]) -> frozenset[str]:
    """The keys of the events that `previous` did not have (none without a previous)."""
    if previous is None:
        return frozenset()
    old = {event_key(e) for e in previous.events}
    return frozenset(k for k in map(event_key, events) if k not in old)


def encode_entry(stored: Stored, body: bytes) -> bytes:
    """The entry for `stored`, with `body` (the answer as received) as its events."""
    meta: dict[str, Any] = {
        "format": FORMAT,
        "uuid": stored.uuid,
        "fetched_at": stored.fetched_at,
        "region": stored.region,
        "previous_fetched_at": stored.previous_fetched_at,
        "new": sorted(stored.new_keys),
    }
    if stored.by is not None:
        meta["by"] = stored.by
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    return head.encode() + b', "events": ' + body.strip() + b"}\n"


def decode_entry(raw: bytes, uuid: str) -> Stored:
    """An entry read back, checked: ValueError, KeyError or TypeError when it is damaged
    or not an entry for `uuid`. The `by` it names is not checked here (see shared.py)."""
    data = load_json(raw)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("uuid") != uuid:
        raise ValueError("not a bsevents cache entry")
    previous = data.get("previous_fetched_at")
    new = data.get("new", [])
    by = data.get("by")
    return Stored(
        uuid,
        check_events(data["events"]),
        checked_time(data["fetched_at"]),
        str(data["region"])[:8],
        frozenset(str(k) for k in new) if isinstance(new, list) else frozenset(),
        checked_time(previous) if previous is not None else None,
        by if isinstance(by, str) else None,
    )
