"""The team's cap survives its Redis (issue 23, items 1 and 2): a real redis-server killed,
stopped, restarted without persistence and made to evict, members as separate homes, one
of them on a clock two hours behind (libfaketime, in a process of its own)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bsevents.state import redis_store as store
from tests import redis_server
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.redis_server import RedisServer
from tests.script import SCRIPT
from tests.standin import Reply, StandIn
from tests.test_shared import HOST, home_env

pytestmark = [
    pytest.mark.skipif(not redis_server.available(), reason="redis-server is not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("redis") is None, reason="the redis library is not installed"
    ),
]

E1 = make_event(event="identify", event_uuid="e-1")
FAKETIME = next(iter(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")), None)
NEEDS_FAKETIME = pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed")
REFUSED = "hourly budget used: 10 of 10 show_events calls in the last 60 min"
LOST = (
    "warning: the shared store had lost {} calls of the last hour (restarted without "
    "persistence, or its keys evicted); they are counted there again from what this "
    "machine knows"
)


@dataclass
class Done:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A redis-server of the test's own (it is killed and restarted), pointed at by
    BSEVENTS_SHARED_URL."""
    server = RedisServer(tmp_path / "redis").start()
    monkeypatch.setenv("BSEVENTS_SHARED_URL", server.url)
    store.forget()
    try:
        yield server
    finally:
        server.stop()
        store.forget()


@pytest.fixture
def member(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """member("a", "events", ...): run bsevents in home `a`, as a new process would, logged
    in as `user` (default: the home's name), on a clock shifted by `clock` (libfaketime's
    "-2h", in a process of its own)."""

    def run(home: str, *args: str, user: str | None = None, clock: str | None = None) -> Done:
        env = home_env(tmp_path, home)
        env["USER"] = env["LOGNAME"] = user or home
        if clock is not None:
            assert FAKETIME is not None
            env.update(LD_PRELOAD=str(FAKETIME), FAKETIME=clock, FAKETIME_DONT_FAKE_MONOTONIC="1")
            done = subprocess.run(
                [str(SCRIPT), *args],
                capture_output=True,
                text=True,
                env={**os.environ, **env},
                timeout=60,
            )
            return Done(done.returncode, done.stdout, done.stderr)
        for var, value in env.items():
            monkeypatch.setenv(var, value)
        store.forget()
        result = cli(*args)
        return Done(result.exit_code, result.stdout, result.stderr)

    return run


def used(member: Any, home: str, user: str | None = None, clock: str | None = None) -> Any:
    """`quota --json` as that member, which says nothing on stderr."""
    done = member(home, "quota", "--json", user=user, clock=clock)
    assert (done.exit_code, done.stderr) == (0, ""), done.stderr
    return json.loads(done.stdout)


def restart(server: RedisServer) -> None:
    """Stopped and started again: without persistence, everything it held is gone."""
    server.stop()
    server.start()


def evict(server: RedisServer) -> None:
    """Under volatile-lru and a memory limit, other keys written until Redis has evicted
    every bsevents key (each has an expiry, so each may go)."""
    client = server.client()
    client.config_set("maxmemory-policy", "volatile-lru")
    client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + 512 * 1024)
    written = 0
    while any(client.scan_iter(match="bsevents:*")):
        assert written < 500_000, "Redis evicted nothing"
        pipe = client.pipeline(transaction=False)
        for n in range(written, written + 2_000):
            pipe.set(f"filler:{n}", b"x" * 512, ex=3600)
        pipe.execute()
        written += 2_000
    client.config_set("maxmemory", 0)


def calls_in_redis(server: RedisServer) -> int:
    (calls,) = server.client().scan_iter(match="bsevents:*:calls")
    return int(server.client().zcard(calls))


@pytest.mark.parametrize("lose", [restart, evict], ids=["restarted", "evicted"])
def test_the_cap_holds_when_redis_loses_the_hour(
    standin: StandIn, member: Any, redis: RedisServer, lose: Any
) -> None:
    standin.customers[CUSTOMER] = [E1]
    for _ in range(10):
        assert member("ana", "events", CUSTOMER, "--refresh").exit_code == 0
    lose(redis)
    said = []
    for _ in range(10):
        refused = member("ana", "events", CUSTOMER, "--refresh")
        assert refused.exit_code == 5, refused.stderr
        said.append(refused.stderr.splitlines())
    assert len(standin.show_events_requests()) == 10
    assert said[0][0] == LOST.format(10)
    assert all(lines[-2].startswith(f"error: {REFUSED}") for lines in said), said
    assert [len(lines) for lines in said] == [3] + [2] * 9  # the loss is told once
    # ana put her calls back: a member who never saw them counts them too, each once.
    report = used(member, "ben")
    assert (report["shared"], report["used"]) == (True, 10)
    assert {(c["status"], c["by"]) for c in report["calls"]} == {("200", f"ana@{HOST}")}
    assert calls_in_redis(redis) == 10


@pytest.mark.parametrize("lose", [restart, evict], ids=["restarted", "evicted"])
def test_after_a_loss_quota_shows_the_calls_a_member_saw(
    standin: StandIn, member: Any, redis: RedisServer, lose: Any
) -> None:
    standin.customers[CUSTOMER] = [E1]
    for home, calls in (("ana", 4), ("ben", 4)):
        for _ in range(calls):
            assert member(home, "events", CUSTOMER, "--refresh").exit_code == 0
    lose(redis)
    # ben saw ana's 4 calls with his own: he puts all 8 back, and says what happened.
    shown = member("ben", "quota")
    assert shown.exit_code == 0, shown.stderr
    assert "8 of 10 used · 2 left" in shown.stdout
    assert "(forced)" not in shown.stdout
    assert shown.stderr == LOST.format(8) + "\n"
    report = used(member, "ana")  # ana's own 4 are there already: counted once
    assert (report["shared"], report["used"]) == (True, 8)
    assert [c["by"] for c in report["calls"]] == [f"ana@{HOST}"] * 4 + [f"ben@{HOST}"] * 4
    assert calls_in_redis(redis) == 8
    for _ in range(2):
        assert member("ana", "events", CUSTOMER, "--refresh").exit_code == 0
    refused = member("ben", "events", CUSTOMER, "--refresh")
    assert refused.exit_code == 5, refused.stderr
    assert REFUSED in refused.stderr
    assert len(standin.show_events_requests()) == 10


def test_calls_made_while_redis_is_away_are_kept_as_they_were_and_put_back_once(
    standin: StandIn, member: Any, redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [E1]
    for _ in range(2):
        assert member("ana", "events", CUSTOMER, "--refresh").exit_code == 0
    assert member("ana", "events", CUSTOMER, "--refresh", "--force").exit_code == 0
    monkeypatch.setenv("BSEVENTS_SHARED_URL", redis.url.replace(f":{redis.port}/", ":1/"))
    for _ in range(2):
        assert member("ana", "events", CUSTOMER, "--refresh").exit_code == 0
    away = member("ana", "quota")
    assert "5 of 10 used" in away.stdout
    # Only the call forced with --force is listed as forced, through Redis or not.
    lines = [line for line in away.stdout.splitlines() if CUSTOMER in line]
    assert ["(forced)" in line for line in lines] == [False, False, True, False, False]
    monkeypatch.setenv("BSEVENTS_SHARED_URL", redis.url)
    for home in ("ana", "ana", "ben"):
        report = used(member, home)  # an outage is no loss: nothing to say
        assert (report["shared"], report["used"]) == (True, 5), report
    assert calls_in_redis(redis) == 5
    assert {(c["status"], c["by"]) for c in report["calls"]} == {("200", f"ana@{HOST}")}
    shown = member("ben", "quota").stdout
    lines = [line for line in shown.splitlines() if CUSTOMER in line]
    assert ["(forced)" in line for line in lines] == [False, False, True, False, False]


@pytest.mark.parametrize(
    ("user", "clock"),
    [
        pytest.param("sam", None, id="same user@host"),
        pytest.param("sam", "-2h", id="same user@host, B 2 h behind", marks=NEEDS_FAKETIME),
        pytest.param("bo", "-2h", id="B another member, 2 h behind", marks=NEEDS_FAKETIME),
        pytest.param("bo", "+2h", id="B another member, 2 h ahead", marks=NEEDS_FAKETIME),
    ],
)
def test_a_member_counts_what_it_saw_through_an_outage(
    standin: StandIn, member: Any, redis: RedisServer, user: str, clock: str | None
) -> None:
    """B counts A's six calls, seen through Redis, once Redis is gone (killed): also when
    A and B are two homes of the same user@host, and on Redis's clock when B's is two
    hours off (ahead, those calls would look two hours old)."""
    standin.customers[CUSTOMER] = [E1]
    for _ in range(6):
        assert member("a", "events", CUSTOMER, "--refresh", user="sam").exit_code == 0
    assert used(member, "b", user=user, clock=clock)["used"] == 6
    redis.process.kill()  # type: ignore[union-attr]
    codes = []
    for _ in range(5):
        done = member("b", "events", CUSTOMER, "--refresh", user=user, clock=clock)
        codes.append(done.exit_code)
    assert codes == [0, 0, 0, 0, 5], done.stderr
    assert REFUSED in done.stderr
    assert len(standin.show_events_requests()) == 10


@pytest.mark.parametrize(
    "clock",
    [None, pytest.param("-2h", marks=NEEDS_FAKETIME), pytest.param("+2h", marks=NEEDS_FAKETIME)],
    ids=["same clock", "B's clock 2 h behind", "B's clock 2 h ahead"],
)
def test_a_hold_seen_through_redis_holds_through_an_outage(
    standin: StandIn, member: Any, redis: RedisServer, clock: str | None
) -> None:
    standin.customers[CUSTOMER] = [E1]
    standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
    assert member("a", "events", CUSTOMER, "--refresh").exit_code == 5
    report = used(member, "b", clock=clock)
    assert report["blocked_until"] is not None
    redis.process.kill()  # type: ignore[union-attr]
    held = member("b", "events", CUSTOMER, "--refresh", clock=clock)
    assert held.exit_code == 5, held.stderr
    assert re.search(
        r"Blueshift answered 429 \(rate limit\); live calls are held until \d\d:\d\d "
        r"\(in (59|60) min\)",
        held.stderr,
    ), held.stderr
    assert len(standin.show_events_requests()) == 1
    assert API_KEY not in held.stderr


@NEEDS_FAKETIME
def test_calls_made_on_a_clock_behind_go_back_on_the_stores_clock(
    standin: StandIn, member: Any, redis: RedisServer
) -> None:
    """Calls B made during the outage on a clock two hours behind are put back where they
    belong on Redis's clock: two hours earlier they would be out of the window."""
    standin.customers[CUSTOMER] = [E1]
    redis.stop()
    for _ in range(2):
        assert member("b", "events", CUSTOMER, "--refresh", clock="-2h").exit_code == 0
    redis.start()
    report = used(member, "b", clock="-2h")
    assert (report["shared"], report["used"]) == (True, 2)
    assert calls_in_redis(redis) == 2
    assert used(member, "ana")["used"] == 2


class _SecondReadFails:
    """A real Redis client whose budget read fails (a timeout, an eviction race): the
    reservation itself still goes to the real server and decides."""

    def __init__(self, client: Any, fail: bool) -> None:
        self.client, self.fail = client, fail

    def eval(self, script: str, *args: Any) -> Any:
        from bsevents.state.ledger.shared import _BUDGET

        if script is _BUDGET and self.fail:
            raise TimeoutError("the read after the reservation timed out")
        return self.client.eval(script, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.mark.parametrize("second_read_fails", [False, True])
def test_the_store_s_refusal_stands_whatever_the_read_after_it_does(
    redis: RedisServer,
    second_read_fails: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis as redis_library

    from bsevents.errors import RateLimited
    from bsevents.state.ledger.budget import Planned
    from bsevents.state.ledger.local import LocalLedger
    from bsevents.state.ledger.shared import SharedLedger

    warned: list[str] = []

    def ledger() -> SharedLedger:
        client = _SecondReadFails(redis_library.Redis.from_url(redis.url), second_read_fails)
        return SharedLedger(
            LocalLedger.open(warn=warned.append),
            client,
            redis.url,
            local_account="us-local",
            shared_account="us-team",
            who="ana@laptop",
            warn=warned.append,
        )

    planned = Planned("us-local", "default", "us", CUSTOMER, 2)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "teammate"))  # another machine
    for _ in range(2):  # the team's two calls of the hour, through a healthy store
        healthy = SharedLedger(
            LocalLedger.open(warn=warned.append),
            redis_library.Redis.from_url(redis.url),
            redis.url,
            local_account="us-other",
            shared_account="us-team",
            who="ben@desk",
            warn=warned.append,
        )
        healthy.reserve(Planned("us-other", "default", "us", CUSTOMER, 2))
    # This member's machine has seen none of them; the store refuses the third.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "member"))
    with pytest.raises(RateLimited) as refused:
        ledger().reserve(planned)
    expected = (
        # Unread, the window cannot say when a call frees: the store's word is quoted.
        "the team's store refused the call: 2 show_events calls were made in the last "
        "60 min, or calls are held after a 429"
        if second_read_fails
        else "hourly budget used: 2 of 2 show_events calls in the last 60 min; the next "
        "call is free at "
    )
    assert refused.value.message.startswith(expected), refused.value.message
    assert calls_in_redis(redis) == 2
