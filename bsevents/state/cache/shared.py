"""Stored responses of an account, shared by a team through Redis.

A response one member fetched answers another's `bsevents events` within the cache TTL,
and says who fetched it. Each copy is one Redis string in the same format as a local
cache file, plus `by` (user@host), and expires on its own after KEEP_SECONDS. Copies are
also kept locally (for --offline and completion), and when the store cannot be reached
the local copy is all there is. What comes back from the store is checked like any
untrusted input: bounded in size, its times and events validated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bsevents.errors import BseventsError
from bsevents.model.events import Event, check_events, event_key, load_json
from bsevents.state.cache.local import FORMAT, Cache, Stored, checked_time, url_digest
from bsevents.state.redis_store import clean_who, failed, key_name

KEEP_SECONDS = 24 * 3600  # long enough for --new to compare with yesterday's copy
MAX_BYTES = 64 * 1024 * 1024  # a copy bigger than this in the store is not read


@dataclass(frozen=True)
class SharedStored(Stored):
    by: str | None = None  # the teammate (user@host) who fetched it


class SharedCache(Cache):
    """Stored responses of one account at one base URL, in Redis and locally."""

    def __init__(  # the local store is `local`'s; this only adds the shared copy
        self,
        local: Cache,
        client: Any,
        url: str,
        *,
        shared_account: str,
        base_url: str,
        who: str,
        warn: Callable[[str], None],
    ) -> None:
        self.root = local.root
        self.name = local.name
        self.local = local
        self._client = client
        self._url = url
        self._prefix = key_name(shared_account, "response", url_digest(base_url)[:16])
        self._who = who
        self._warn = warn

    def _key(self, uuid: str) -> str:
        self.path(uuid)  # only a checked UUID may name a key
        return f"{self._prefix}:{uuid}"

    def _down(self, error: Exception) -> None:
        failed(self._url, error, self._warn)
        self._client = None

    def load(self, uuid: str) -> Stored | None:
        """The newer of the shared and the local copy, or None."""
        mine = self.local.load(uuid)
        theirs = self._load_shared(uuid)
        if theirs is None or (mine is not None and mine.fetched_at > theirs.fetched_at):
            return mine
        return theirs

    def _load_shared(self, uuid: str) -> SharedStored | None:
        if self._client is None:
            return None
        try:
            raw = self._client.getrange(self._key(uuid), 0, MAX_BYTES)
        except Exception as error:  # the local copy is enough
            self._down(error)
            return None
        if not raw:
            return None
        try:
            if len(raw) > MAX_BYTES:
                raise ValueError("too large")
            return decode(raw, uuid)
        except (ValueError, KeyError, TypeError, BseventsError) as exc:
            self._warn(f"a shared copy was unreadable ({type(exc).__name__}) and is ignored")
            return None

    def store(
        self,
        uuid: str,
        body: bytes,
        events: Sequence[Event],
        *,
        fetched_at: float,
        region: str,
    ) -> Stored:
        previous = self.load(uuid)
        self.local.store(uuid, body, events, fetched_at=fetched_at, region=region)
        if previous is None:
            new_keys: frozenset[str] = frozenset()
        else:
            old = {event_key(e) for e in previous.events}
            new_keys = frozenset(k for k in map(event_key, events) if k not in old)
        previous_at = previous.fetched_at if previous is not None else None
        if self._client is not None and len(body) <= MAX_BYTES:
            meta = {
                "format": FORMAT,
                "uuid": uuid,
                "fetched_at": fetched_at,
                "region": region,
                "previous_fetched_at": previous_at,
                "new": sorted(new_keys),
                "by": self._who,
            }
            head = json.dumps(meta, ensure_ascii=False)[:-1]
            data = head.encode() + b', "events": ' + body.strip() + b"}\n"
            try:
                self._client.set(self._key(uuid), data, ex=KEEP_SECONDS)
            except Exception as error:  # kept locally all the same
                self._down(error)
        return SharedStored(
            uuid, list(events), fetched_at, region, new_keys, previous_at, self._who
        )


def decode(raw: bytes, uuid: str) -> SharedStored:
    """A shared copy, checked: written by anyone who can reach the store."""
    data = load_json(raw)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("uuid") != uuid:
        raise ValueError("not a bsevents cache entry")
    previous = data.get("previous_fetched_at")
    new = data.get("new", [])
    return SharedStored(
        uuid,
        check_events(data["events"]),
        checked_time(data["fetched_at"]),
        str(data["region"])[:8],
        frozenset(str(k) for k in new) if isinstance(new, list) else frozenset(),
        checked_time(previous) if previous is not None else None,
        clean_who(data.get("by")),
    )
