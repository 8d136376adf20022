"""Stored responses of an account, shared by a team through Redis.

A response one member fetched answers another's `bsevents events` within the cache TTL,
and says who fetched it. Each copy is one Redis string in the same format as a local
entry (`stored.py`), with `by` (user@host), and expires on its own after KEEP_SECONDS.
The shared cache holds a local one: copies are also kept locally (for --offline and
completion), and when the store cannot be reached the local copy is all there is. What
comes back from the store is checked like any untrusted input: bounded in size, its
times, events and names validated.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bsevents.errors import BseventsError
from bsevents.model.report import Reporter
from bsevents.state.cache.local import LocalCache
from bsevents.state.cache.stored import Answer, Stored, decode_entry, encode_entry, url_digest
from bsevents.state.redis_store import clean_who, failed, key_name

KEEP_SECONDS = 24 * 3600  # long enough for --new to compare with yesterday's copy
MAX_BYTES = 64 * 1024 * 1024  # a copy bigger than this in the store is not read


class SharedCache:
    """Stored responses of one account at one base URL, in Redis and in the local store
    it holds (a `Cache`)."""

    def __init__(
        self,
        local: LocalCache,
        client: Any,
        url: str,
        *,
        shared_account: str,
        base_url: str,
        who: str,
        report: Reporter,
    ) -> None:
        self.local = local
        self._client = client  # None once the store has failed
        self._url = url
        self._prefix = key_name(shared_account, "response", url_digest(base_url)[:16])
        self._who = who
        self._report = report

    def _key(self, uuid: str) -> str:
        self.local.path(uuid)  # only a checked UUID may name a key
        return f"{self._prefix}:{uuid}"

    def _down(self, error: Exception) -> None:
        failed(self._url, error, self._report.warn)
        self._client = None

    def load(self, uuid: str) -> Stored | None:
        """The newer of the shared and the local copy, or None."""
        mine = self.local.load(uuid)
        theirs = self._load_shared(uuid)
        if theirs is None or (mine is not None and mine.fetched_at > theirs.fetched_at):
            return mine
        return theirs

    def _load_shared(self, uuid: str) -> Stored | None:
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
            stored = decode_entry(raw, uuid)
        except (ValueError, KeyError, TypeError, BseventsError) as exc:
            self._report.warn(f"a shared copy was unreadable ({type(exc).__name__}) and is ignored")
            return None
        # Written by anyone who can reach the store: a name shown to people is cleaned.
        return dataclasses.replace(stored, by=clean_who(stored.by))

    def store(self, answer: Answer, previous: Stored | None) -> Stored:
        kept = self.local.store(answer, previous)
        stored = dataclasses.replace(kept, by=self._who)
        if self._client is not None and len(answer.body) <= MAX_BYTES:
            entry = encode_entry(stored, answer.body)
            try:
                self._client.set(self._key(answer.uuid), entry, ex=KEEP_SECONDS)
            except Exception as error:  # kept locally all the same
                self._down(error)
        return stored
