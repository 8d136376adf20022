"""The call ledger of an account, shared by a team through Redis.

The same guarantees as the local ledger, across machines: a show_events call is counted
by one Lua script (check the window and the hold, then add the call) before it is sent,
so processes on any number of machines never pass the cap together; a process killed
mid-request leaves its call counted as pending; the hold after a 429 is one key everyone
reads. Times are the Redis server's clock, so machines whose clocks disagree still share
one window. Every key expires on its own shortly after the window.

Every call made through the store is also written to the local ledger, and the times of
teammates' calls are remembered (`seen`): when the store cannot be reached, the local
count holds this machine's calls plus the team's as last seen, so it errs on the safe
side. Search calls are not capped and stay local.
"""

from __future__ import annotations

import dataclasses
import math
import time
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from bsevents.errors import RateLimited
from bsevents.model.customer import UUID_RE
from bsevents.state.ledger import seen
from bsevents.state.ledger.budget import (
    CLOCK_SKEW_SECONDS,
    PENDING,
    SHOW_EVENTS,
    WINDOW_SECONDS,
    Budget,
    Call,
    Reservation,
    plausible_time,
    refusal,
)
from bsevents.state.ledger.db import LedgerUnavailable
from bsevents.state.ledger.local import LocalLedger
from bsevents.state.redis_store import clean_who, failed, key_name

CALLS_LIMIT = 1000  # calls read back from a window (forced calls can pass the cap)
KEEP_SECONDS = WINDOW_SECONDS + CLOCK_SKEW_SECONDS
_LATEST = 32_503_680_000.0  # 3000-01-01: a clock past it is no time

# Scripts take the time from the server (TIME), so every machine counts one window; a
# server before Redis 5 needs effects replication switched on to write after TIME.
# KEYS: calls (sorted set of call ids by time), hold (hash), the new call's hash.
# ARGV: limit, force (0/1), call id, customer, who, window, keep.
_RESERVE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[2] ~= '1' then
  local hold = tonumber(redis.call('HGET', KEYS[2], 'until') or '0') or 0
  if hold > now or redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
    return {0, string.format('%.6f', now)}
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('HSET', KEYS[3], 'at', string.format('%.6f', now), 'uuid', ARGV[4],
  'status', 'pending', 'forced', ARGV[2], 'by', ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {1, string.format('%.6f', now)}
"""

# KEYS: calls, hold. ARGV: window, limit, the prefix of call hashes (named here, not in
# KEYS, as there is one per call; the account's braces keep them in the same cluster slot).
_BUDGET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.6f', now - ARGV[1]),
  '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {string.format('%.6f', now), redis.call('HGET', KEYS[2], 'until') or '',
  redis.call('HGET', KEYS[2], 'reason') or ''}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[3] .. id, 'at', 'uuid', 'status', 'forced', 'by')
  for i = 1, 5 do out[#out + 1] = h[i] or '' end
end
return out
"""

# KEYS: the call's hash. ARGV: status. A call whose hash expired is not brought back.
_FINISH = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'status', ARGV[1])
end
return 0
"""

# KEYS: hold. ARGV: until, reason, who, window. Never shortens a hold; at most a window.
_HOLD = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local u = math.min(tonumber(ARGV[1]), now + tonumber(ARGV[4]))
local current = tonumber(redis.call('HGET', KEYS[1], 'until') or '0') or 0
if u > current then
  redis.call('HSET', KEYS[1], 'until', string.format('%.6f', u), 'reason', ARGV[2], 'by', ARGV[3])
  redis.call('EXPIREAT', KEYS[1], math.ceil(u))
end
return 0
"""


@dataclass(frozen=True)
class SharedCall(Call):
    by: str | None = None  # the teammate (user@host) who made it


@dataclass(frozen=True)
class SharedBudget(Budget):
    """A budget read from the shared store (all the team's calls)."""

    shared: ClassVar[bool] = True


@dataclass(frozen=True)
class SharedReservation(Reservation):
    call_id: str = ""
    local: Reservation | None = None  # the same call in the local ledger


class SharedLedger:
    """The ledger of one account in Redis (a `Ledger`), holding the local ledger for the
    mirror and the fallback. Only the account of the key it was opened for is shared;
    others are counted locally."""

    def __init__(
        self,
        local: LocalLedger,
        client: Any,
        url: str,
        *,
        local_account: str,
        shared_account: str,
        who: str,
        warn: Callable[[str], None],
    ) -> None:
        self.local = local
        # None when the store cannot be used (from the start, or since it failed).
        self._client = client
        self._url = url
        self._local_account = local_account
        self._shared_account = shared_account
        self._who = who
        self._warn = warn

    def close(self) -> None:
        self.local.close()

    def __enter__(self) -> SharedLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _shared(self, account: str) -> bool:
        return self._client is not None and account == self._local_account

    def _key(self, *parts: str) -> str:
        return key_name(self._shared_account, *parts)

    def _down(self, error: Exception) -> None:
        failed(self._url, error, self._warn)
        self._client = None

    # -- reading ------------------------------------------------------------------------

    def budget(self, account: str, limit: int, now: float | None = None) -> Budget:
        if self._shared(account):
            try:
                return self._shared_budget(limit)
            except Exception as error:  # the store failing is not fatal
                self._down(error)
        return self._local_budget(account, limit, now)

    def _local_budget(self, account: str, limit: int, now: float | None = None) -> Budget:
        """The local count, plus teammates' calls as last seen in the store."""
        budget = self.local.budget(account, limit, now)
        if account != self._local_account:
            return budget
        others = [SharedCall(at, None, "teammate") for at in seen.recall(account, budget.now)]
        if not others:
            return budget
        calls = sorted((*budget.calls, *others), key=lambda call: call.at)
        return dataclasses.replace(budget, calls=tuple(calls))

    def _shared_budget(self, limit: int) -> SharedBudget:
        reply = self._client.eval(
            _BUDGET,
            2,
            self._key("calls"),
            self._key("hold"),
            WINDOW_SECONDS,
            CALLS_LIMIT,
            self._key("call", ""),
        )
        budget = parse_budget(reply, limit)
        seen.remember(
            self._local_account,
            [c.at for c in budget.calls if getattr(c, "by", None) != self._who],
        )
        return budget

    def latest_account(self, profile: str, region: str) -> str | None:
        return self.local.latest_account(profile, region)

    # -- writing ------------------------------------------------------------------------

    def reserve(
        self,
        *,
        account: str,
        profile: str,
        region: str,
        uuid: str | None,
        limit: int,
        endpoint: str = SHOW_EVENTS,
        force: bool = False,
        now: float | None = None,
    ) -> Reservation:
        local: dict[str, Any] = {
            "account": account,
            "profile": profile,
            "region": region,
            "uuid": uuid,
        }
        if endpoint != SHOW_EVENTS:
            return self.local.reserve(**local, limit=limit, endpoint=endpoint, force=force)
        if not self._shared(account):
            return self._reserve_locally(local, limit, force)
        call_id = uuid_module.uuid4().hex
        try:
            taken, _ = self._client.eval(
                _RESERVE,
                3,
                self._key("calls"),
                self._key("hold"),
                self._key("call", call_id),
                limit,
                int(force),
                call_id,
                uuid or "",
                self._who,
                WINDOW_SECONDS,
                KEEP_SECONDS,
            )
            budget = self._shared_budget(limit)
        except Exception as error:  # count locally, as without a store
            self._down(error)
            return self._reserve_locally(local, limit, force)
        if int(taken) != 1:
            raise refusal(budget)
        return SharedReservation(-1, budget, call_id, self._mirror(local, limit))

    def _reserve_locally(self, local: dict[str, Any], limit: int, force: bool) -> Reservation:
        """Count the call in the local ledger, leaving room for the teammates' calls last
        seen in the store."""
        account = local["account"]
        taken = len(seen.recall(account, time.time())) if account == self._local_account else 0
        if taken and not force:
            if taken >= limit:
                raise refusal(self._local_budget(account, limit))
            try:
                reserved = self.local.reserve(**local, limit=limit - taken)
            except RateLimited as refused:
                if refused.status is None:  # our count, not Blueshift's 429
                    raise refusal(self._local_budget(account, limit)) from None
                raise
        else:
            reserved = self.local.reserve(**local, limit=limit, force=force)
        return dataclasses.replace(reserved, budget_after=self._local_budget(account, limit))

    def _mirror(self, local: dict[str, Any], limit: int) -> Reservation | None:
        """The call in the local ledger too (counted even past the local cap: the store
        allowed it), so a fallback later still counts it."""
        try:
            return self.local.reserve(**local, limit=limit, force=True)
        except LedgerUnavailable as problem:
            self._warn(f"{problem.message}; the call is counted in the shared store only")
            return None

    def _on_store(self, script: str, keys: tuple[str, ...], *args: object) -> None:
        if self._client is None:
            return
        try:
            self._client.eval(script, len(keys), *keys, *args)
        except Exception as error:  # the local ledger still has it
            self._down(error)

    def finish(
        self,
        reservation: Reservation,
        status: str,
        *,
        duration: float | None = None,
        nbytes: int | None = None,
    ) -> None:
        if not isinstance(reservation, SharedReservation):
            self.local.finish(reservation, status, duration=duration, nbytes=nbytes)
            return
        self._on_store(_FINISH, (self._key("call", reservation.call_id),), status)
        if reservation.local is not None:
            self.local.finish(reservation.local, status, duration=duration, nbytes=nbytes)

    def release(self, reservation: Reservation) -> None:
        if not isinstance(reservation, SharedReservation):
            self.local.release(reservation)
            return
        if self._client is not None:
            try:
                self._client.zrem(self._key("calls"), reservation.call_id)
                self._client.delete(self._key("call", reservation.call_id))
            except Exception as error:  # the call stays counted: safe
                self._down(error)
        if reservation.local is not None:
            self.local.release(reservation.local)

    def clear_hold(self, account: str) -> None:
        if self._shared(account):
            try:
                self._client.delete(self._key("hold"))
            except Exception as error:
                self._down(error)
        self.local.clear_hold(account)

    def hold(self, account: str, until: float, reason: str, now: float | None = None) -> None:
        if self._shared(account) and math.isfinite(until):
            self._on_store(
                _HOLD, (self._key("hold"),), f"{until:.6f}", reason, self._who, WINDOW_SECONDS
            )
        self.local.hold(account, until, reason, now)


def _text(value: Any, limit: int = 64) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)[:limit]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_budget(reply: Any, limit: int) -> SharedBudget:
    """The budget from the store's answer, which anyone with access could have written:
    the store's clock a plausible time, each call's time finite and inside the window
    (one stamped before it, `at=-1e30`, is no call of this hour and does not count),
    customers UUIDs, names and outcomes plain and short. Raises ValueError for a clock
    that is no time: the caller then counts locally."""
    now = _number(_text(reply[0]))
    if now is None or not 0 < now < _LATEST:
        raise ValueError("the store's clock is not a plausible time")
    hold = _number(_text(reply[1]))  # a time ahead: not a stamp that plausible_time checks
    blocked = min(hold, now + WINDOW_SECONDS) if hold is not None and hold > now else None
    reason = "429" if blocked is not None else None
    calls = []
    rows = reply[3:]
    for start in range(0, min(len(rows), CALLS_LIMIT * 5), 5):
        at, uuid, status, forced, by = (_text(v) for v in rows[start : start + 5])
        when = plausible_time(_number(at), now)
        if when is None or when <= now - WINDOW_SECONDS:
            continue
        customer = uuid if UUID_RE.match(uuid) else None
        outcome = status if status.replace("-", "").isalnum() else "?"
        calls.append(SharedCall(when, customer, outcome or PENDING, forced == "1", clean_who(by)))
    calls.sort(key=lambda call: call.at)
    return SharedBudget(limit, tuple(calls), blocked, now, reason)
