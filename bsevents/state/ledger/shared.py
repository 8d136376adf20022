"""The call ledger of an account, shared by a team through Redis.

The same guarantees as the local ledger, across machines: a show_events call is counted
by one Lua script (check the window and the hold, then add the call) before it is sent,
so processes on any number of machines never pass the cap together; a process killed
mid-request leaves its call counted as pending; the hold after a 429 is one key everyone
reads. Times are the Redis server's clock, so machines whose clocks disagree still share
one window. Every key expires on its own shortly after the window.

Every call made through the store is also written to the local ledger, as it was and
with the store's id for it, and what this member last saw in the store is remembered
(`seen`: every member's calls, the hold, the store's clock). When the store cannot be
reached, the local count holds this machine's calls plus the team's as last seen, on the
store's clock, so it errs on the safe side; the calls made meanwhile are counted locally
as what they are. When the store answers again, every call this member knows of in the
window that the store does not hold is put back, once, by its id: the calls made while it
was away, and all of them when it lost its data (restarted without persistence, keys
evicted), which is told in one line. So on every contact the store counts at least what
this member knows. Search calls are not capped and stay local.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from bsevents.errors import RateLimited
from bsevents.model.customer import UUID_RE
from bsevents.model.times import LATEST_TIME
from bsevents.state.ledger import seen
from bsevents.state.ledger.budget import (
    CALL_ID_RE,
    CLOCK_SKEW_SECONDS,
    PENDING,
    REFUSAL_HINT,
    SHOW_EVENTS,
    WINDOW_SECONDS,
    Budget,
    Call,
    Outcome,
    Planned,
    Reservation,
    new_call_id,
    outcome_of,
    plausible_time,
    refusal,
)
from bsevents.state.ledger.db import LedgerUnavailable
from bsevents.state.ledger.local import LocalLedger
from bsevents.state.redis_store import clean_who, failed, key_name

CALLS_LIMIT = 1000  # calls read back from a window (forced calls can pass the cap)
FIELDS = 6  # values read back per call: at, uuid, status, forced, by, id
KEEP_SECONDS = WINDOW_SECONDS + CLOCK_SKEW_SECONDS

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
  out[#out + 1] = id
end
return out
"""

# Put back the calls the store does not hold (lost, or made while it could not be
# reached), each once by its id; a call it holds as pending takes the outcome known here.
# Returns the ids put back. KEYS: calls. ARGV: window, keep, this machine's clock, the
# prefix of call hashes, then per call: id, time, its clock ('l' this machine's, 's' the
# store's), customer, outcome, forced (0/1), by.
_PUT_BACK = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local offset = now - tonumber(ARGV[3])
local added = {}
for i = 5, #ARGV, 7 do
  local id, key = ARGV[i], ARGV[4] .. ARGV[i]
  local at = tonumber(ARGV[i + 1])
  if ARGV[i + 2] == 'l' then at = at + offset end
  at = math.min(at, now)
  if at > now - tonumber(ARGV[1]) then
    if not redis.call('ZSCORE', KEYS[1], id) or redis.call('EXISTS', key) == 0 then
      redis.call('ZADD', KEYS[1], at, id)
      redis.call('HSET', key, 'at', string.format('%.6f', at), 'uuid', ARGV[i + 3],
        'status', ARGV[i + 4], 'forced', ARGV[i + 5], 'by', ARGV[i + 6])
      redis.call('EXPIRE', key, ARGV[2])
      added[#added + 1] = id
    elseif ARGV[i + 4] ~= 'pending' and redis.call('HGET', key, 'status') == 'pending' then
      redis.call('HSET', key, 'status', ARGV[i + 4])
    end
  end
end
if #added > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return added
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
        self._put_back = False  # whether this process has put back what it knows

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
        moment = time.time() if now is None else now
        if self._shared(account):
            try:
                if not self._put_back:
                    self._put_back_known(moment)
                return self._shared_budget(limit, moment)
            except Exception as error:  # the store failing is not fatal
                self._down(error)
        return self._local_budget(account, limit, moment)

    def _last_seen(self, account: str) -> seen.Seen:
        """What was last seen in the store, on this machine's clock."""
        return seen.recall(account).here() if account == self._local_account else seen.Seen()

    def _local_budget(self, account: str, limit: int, now: float) -> Budget:
        """The local count, plus the team's calls and hold as last seen in the store."""
        last = self._last_seen(account)
        return self.local.budget(account, limit, now, also=last.calls, held_until=last.hold)

    def _shared_budget(self, limit: int, now: float) -> SharedBudget:
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
        last = seen.Seen(budget.calls, budget.blocked_until, budget.now - now)
        seen.remember(self._local_account, last)
        return budget

    def _put_back_known(self, now: float) -> None:
        """Put into the store the calls of the window this member knows of and the store
        does not hold, each once by its id; the calls it saw there and the store lost are
        told in one line."""
        last = seen.recall(self._local_account)
        values = [value for call, clock in self._known(last, now) for value in _args(call, clock)]
        if values:
            added = self._client.eval(
                _PUT_BACK,
                1,
                self._key("calls"),
                WINDOW_SECONDS,
                KEEP_SECONDS,
                f"{now:.6f}",
                self._key("call", ""),
                *values,
            )
            lost = {c.call_id for c in last.calls} & {_text(i) for i in added}
            if lost:
                self._warn(
                    f"the shared store had lost {len(lost)} calls of the last hour (restarted "
                    "without persistence, or its keys evicted); they are counted there again "
                    "from what this machine knows"
                )
        self._put_back = True

    def _known(self, last: seen.Seen, now: float) -> list[tuple[Call, str]]:
        """Every call of the window this member knows of, once each, with its clock: those
        it saw in the store ("s", the store's), and its own ("l", this machine's) with
        their outcomes as recorded here."""
        known = {c.call_id: (c, "s") for c in last.calls if c.call_id}
        try:
            own = self.local.budget(self._local_account, 1, now).calls
        except LedgerUnavailable:
            own = ()  # the calls seen still go back
        for call in own:
            if call.call_id in known:
                seen_call, clock = known[call.call_id]
                known[call.call_id] = (dataclasses.replace(seen_call, status=call.status), clock)
            elif call.call_id:
                known[call.call_id] = (dataclasses.replace(call, by=self._who), "l")
        return list(known.values())

    def latest_account(self, profile: str, region: str) -> str | None:
        return self.local.latest_account(profile, region)

    # -- writing ------------------------------------------------------------------------

    def reserve(
        self, planned: Planned, *, force: bool = False, now: float | None = None
    ) -> Reservation:
        moment = time.time() if now is None else now
        account, uuid, limit = planned.account, planned.uuid, planned.limit
        if planned.endpoint != SHOW_EVENTS:
            return self.local.reserve(planned, force=force, now=moment)
        call_id = new_call_id()
        call = Call(moment, uuid, PENDING, force, call_id)
        if not self._shared(account):
            return self._reserve_locally(call, planned)
        try:
            self._put_back_known(moment)
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
        except Exception as error:  # the store never decided: count locally, as without one
            self._down(error)
            return self._reserve_locally(call, planned)
        # The store decided, and its decision stands whatever happens next: a refusal is
        # never turned into a local yes, nor a yes counted twice.
        try:
            budget: Budget = self._shared_budget(limit, moment)
        except Exception as error:
            self._down(error)
            budget = self._local_budget(account, limit, moment)
        if int(taken) != 1:
            if budget.free_at is None:  # the window moved between the two reads
                raise RateLimited(
                    f"the team's store refused the call: {limit} show_events calls were "
                    "made in the last 60 min, or calls are held after a 429",
                    REFUSAL_HINT,
                )
            raise refusal(budget)
        return SharedReservation(-1, budget, call_id, self._mirror(call, planned))

    def _reserve_locally(self, call: Call, planned: Planned) -> Reservation:
        """Count the call in the local ledger, as what it is, with the team's calls and
        hold last seen in the store; it goes into the store when the store is back."""
        last = self._last_seen(planned.account)
        return self.local.reserve(
            planned,
            force=call.forced,
            now=call.at,
            call_id=call.call_id,
            also=last.calls,
            held_until=last.hold,
        )

    def _mirror(self, call: Call, planned: Planned) -> Reservation | None:
        """The call in the local ledger too, as it was and with the store's id (counted
        even past the local cap: the store allowed it), so a fallback later counts it."""
        try:
            return self.local.record(call, planned)
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

    def finish(self, reservation: Reservation, outcome: Outcome) -> None:
        if not isinstance(reservation, SharedReservation):
            self.local.finish(reservation, outcome)
            return
        self._on_store(_FINISH, (self._key("call", reservation.call_id),), outcome.status)
        if reservation.local is not None:
            self.local.finish(reservation.local, outcome)

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
        seen.forget(self._local_account, call_id=reservation.call_id)  # nor put back later
        if reservation.local is not None:
            self.local.release(reservation.local)

    def clear_hold(self, account: str) -> None:
        if self._shared(account):
            try:
                self._client.delete(self._key("hold"))
            except Exception as error:
                self._down(error)
        if account == self._local_account:
            seen.forget(account, hold=True)
        self.local.clear_hold(account)

    def hold(self, account: str, until: float, reason: str, now: float | None = None) -> None:
        if self._shared(account) and math.isfinite(until):
            self._on_store(
                _HOLD, (self._key("hold"),), f"{until:.6f}", reason, self._who, WINDOW_SECONDS
            )
        self.local.hold(account, until, reason, now)


def _args(call: Call, clock: str) -> tuple[str, ...]:
    """A call as the put-back script reads it (see _PUT_BACK)."""
    at, forced = f"{call.at:.6f}", "1" if call.forced else "0"
    return (call.call_id or "", at, clock, call.uuid or "", call.status, forced, call.by or "")


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
    if now is None or not 0 < now < LATEST_TIME:
        raise ValueError("the store's clock is not a plausible time")
    hold = _number(_text(reply[1]))  # a time ahead: not a stamp that plausible_time checks
    blocked = min(hold, now + WINDOW_SECONDS) if hold is not None and hold > now else None
    reason = "429" if blocked is not None else None
    calls = []
    rows = reply[3:]
    for start in range(0, min(len(rows), CALLS_LIMIT * FIELDS), FIELDS):
        at, uuid, status, forced, by, call_id = (_text(v) for v in rows[start : start + FIELDS])
        when = plausible_time(_number(at), now)
        if when is None or when <= now - WINDOW_SECONDS:
            continue
        customer = uuid if UUID_RE.match(uuid) else None
        known_id = call_id if CALL_ID_RE.fullmatch(call_id) else None
        calls.append(
            Call(when, customer, outcome_of(status), forced == "1", known_id, clean_who(by))
        )
    calls.sort(key=lambda call: call.at)
    return SharedBudget(limit, tuple(calls), blocked, now, reason)
