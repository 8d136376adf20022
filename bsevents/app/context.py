"""One run's context: everything the pipeline needs from the world, resolved once.

As gh hands every command a `Factory` and HTTPie passes an `Environment` into
`main(args, env)`, every bsevents command builds one `Context` and passes it down: the
settings (profile, region from flag, environment, profile or a dashboard URL, base URL),
each API key looked up at most once, the ledger and the store of responses opened at
most once, one reporter for people, a clock and an HTTP transport. So a run asks the
keyring once and warns about a plain-text key once, whatever it does inside; and a test
can hand the pipeline a recording reporter, a fake clock and an `httpx.MockTransport`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bsevents.errors import AuthProblem, BseventsError
from bsevents.model.report import SILENT, Reporter

if TYPE_CHECKING:
    from bsevents.state.cache.stored import Cache
    from bsevents.state.keys import ApiKey, KeyKind
    from bsevents.state.ledger.budget import Ledger
    from bsevents.state.settings import Resolved


@dataclass(frozen=True)
class Clock:
    """Time, injectable: the wall clock (the ledger, stored copies), a monotonic clock
    (deadlines, pacing) and sleep."""

    # Looked up at each call (not bound once), so the real clock is whatever `time` has.
    now: Callable[[], float] = lambda: time.time()
    monotonic: Callable[[], float] = lambda: time.monotonic()
    sleep: Callable[[float], None] = lambda seconds: time.sleep(seconds)


@dataclass(frozen=True)
class Choice:
    """What chooses the settings: the command-line flags, and the region of the
    dashboard a customer's URL came from."""

    profile: str | None = None
    region: str | None = None
    base_url: str | None = None
    url_region: str | None = None

    @property
    def given(self) -> bool:
        """True when a flag names a profile, region or base URL."""
        return (self.profile, self.region, self.base_url) != (None, None, None)


@dataclass
class Context:
    """One run's view of the world. Made once by the command; everything in it that costs
    something (settings, keys, the ledger, the store) is made when first asked for."""

    choice: Choice = field(default_factory=Choice)
    report: Reporter = SILENT
    clock: Clock = field(default_factory=Clock)
    transport: Any = None  # an httpx transport for every request; None: the network
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    _keys: dict[str, ApiKey | BseventsError] = field(default_factory=dict, repr=False)
    _ledger: Ledger | None = field(default=None, repr=False)
    _cache: Cache | None = field(default=None, repr=False)
    _said: set[str] = field(default_factory=set, repr=False)

    def first_time(self, what: str) -> bool:
        """True the first time a run asks about `what`: for a note said once per run,
        however many times the pipeline passes the place that says it."""
        if what in self._said:
            return False
        self._said.add(what)
        return True

    @cached_property
    def settings(self) -> Resolved:
        from bsevents.state.settings import resolve

        return resolve(
            profile=self.choice.profile,
            region=self.choice.region,
            base_url=self.choice.base_url,
            url_region=self.choice.url_region,
            env=self.env,
        )

    # -- keys: each looked up once, its failure remembered ------------------------------

    def key(self, kind: KeyKind) -> ApiKey:
        """The profile's key of this kind, looked up the first time only. Raises the
        AuthProblem (exit 3) of that first lookup every time."""
        found = self._keys.get(kind.env)
        if found is None:
            from bsevents.state.keys import resolve_key

            try:
                found = resolve_key(self.settings.profile, kind, self.env, report=self.report)
            except AuthProblem as problem:
                found = problem
            self._keys[kind.env] = found
        if isinstance(found, BseventsError):
            raise found
        return found

    def user_key(self) -> ApiKey:
        from bsevents.state.keys import USER

        return self.key(USER)

    def event_key(self) -> ApiKey:
        from bsevents.state.keys import EVENT

        return self.key(EVENT)

    def user_key_if_any(self) -> str | None:
        """The User API key's value, or None when there is none to be had."""
        try:
            return self.user_key().value
        except AuthProblem:
            return None

    @property
    def account(self) -> str:
        """`us-1a2b3c4d5e6f`: whose budget and copies these are (region and key print)."""
        from bsevents.state.ledger.budget import account_id

        return account_id(self.settings.region, self.user_key().value)

    # -- stores: opened once, closed with the context -----------------------------------

    def ledger(self) -> Ledger:
        """The ledger of the profile's account: shared when a team store is set and a key
        names the account, else local. Raises LedgerUnavailable when it cannot be opened."""
        if self._ledger is None:
            from bsevents.state.stores import open_ledger, shared_url

            # Only a team's store needs the key to name the account it shares.
            key = self.user_key_if_any() if shared_url(self.settings) else None
            self._ledger = open_ledger(self.settings, key, self.report)
        return self._ledger

    def cache(self) -> Cache:
        """The stored responses of the profile's account at its base URL (needs the key)."""
        if self._cache is None:
            from bsevents.state.stores import open_cache

            self._cache = open_cache(self.settings, self.user_key().value, self.report)
        return self._cache

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
