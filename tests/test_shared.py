"""A team's budget in a real Redis: one ledger and one cache shared by several "machines"
(isolated homes), the 429 hold, the fallback when Redis goes away, and what is stored."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bsevents.state import redis_store as store
from tests import redis_server
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.redis_server import PASSWORD, RedisServer
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

pytestmark = [
    pytest.mark.skipif(
        not redis_server.available(),
        reason=f"redis-server is not installed ({redis_server.BINARY}): "
        "apt-get install redis-server",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("redis") is None,
        reason="the redis library is not installed: pip install -e '.[test]'",
    ),
]

E1 = make_event(event="identify", event_uuid="e-1", timestamp="2026-11-28T10:00:00Z")
E2 = make_event(event="purchase", event_uuid="e-2", timestamp="2026-11-28T10:02:00Z")
HOST = re.sub(r"[^A-Za-z0-9._@+-]", "?", socket.gethostname())


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the module (starting one per test would slow the suite)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def shared(redis: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """An empty store, pointed at by BSEVENTS_SHARED_URL; no connection kept between
    tests (each CLI invocation below stands for a new process)."""
    redis.client().flushall()
    store.forget()
    monkeypatch.setenv("BSEVENTS_SHARED_URL", redis.url)
    yield redis
    store.forget()


def home_env(root: Path, name: str) -> dict[str, str]:
    """The variables that make `name`'s machine: its own home, state, cache and login."""
    home = root / name
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "LOGNAME": name,
        "USER": name,
    }


@pytest.fixture
def machine(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """machine("ana", "events", ...): run the CLI as if on ana's laptop, in a new process."""

    def run(name: str, *args: str) -> Any:
        for var, value in home_env(tmp_path, name).items():
            monkeypatch.setenv(var, value)
        store.forget()
        return cli(*args)

    return run


def quota_json(machine: Any, name: str) -> dict[str, Any]:
    result = machine(name, "quota", "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_three_machines_many_processes_send_exactly_the_cap(
    standin: StandIn, tmp_path: Path
) -> None:
    standin.customers[CUSTOMER] = [E1]
    standin.reply(*[Reply(200, [E1], delay=0.2) for _ in range(12)])
    procs = [
        subprocess.Popen(
            [str(SCRIPT), "events", CUSTOMER, "--refresh"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **home_env(tmp_path, name)},
        )
        for name in ("ana", "ben", "cy")
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=120), p.communicate()[1].decode()) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0] * 10 + [5] * 2, outcomes
    assert len(standin.show_events_requests()) == 10
    refused = [err for code, err in outcomes if code == 5]
    assert all("hourly budget used: 10 of 10 show_events calls" in err for err in refused)
    # Every machine sees the team's ten calls, each credited to whoever made it.
    env = {**os.environ, **home_env(tmp_path, "dee")}
    report = json.loads(
        subprocess.run(
            [str(SCRIPT), "quota", "--json"], capture_output=True, env=env, check=True
        ).stdout
    )
    assert report["shared"] is True
    assert report["used"] == 10
    assert {call["status"] for call in report["calls"]} == {"200"}
    by = [call["by"] for call in report["calls"]]
    assert set(by) <= {f"ana@{HOST}", f"ben@{HOST}", f"cy@{HOST}"}
    assert len(set(by)) >= 2


def test_a_call_whose_process_was_killed_stays_counted_for_the_team(
    standin: StandIn, machine: Any, tmp_path: Path
) -> None:
    standin.reply(Reply(200, [E1], delay=30))
    proc = subprocess.Popen(
        [str(SCRIPT), "events", CUSTOMER],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **home_env(tmp_path, "ana")},
    )
    deadline = time.monotonic() + 30
    while not standin.show_events_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert standin.show_events_requests(), "the request never reached the server"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    report = quota_json(machine, "ben")
    assert report["used"] == 1
    assert (report["calls"][0]["status"], report["calls"][0]["by"]) == ("pending", f"ana@{HOST}")


def test_a_copy_one_member_fetched_answers_another_without_a_call(
    standin: StandIn, machine: Any
) -> None:
    standin.customers[CUSTOMER] = [E1]
    fetched = machine("ana", "events", CUSTOMER)
    assert fetched.exit_code == 0, fetched.stderr
    assert len(standin.show_events_requests()) == 1
    cached = machine("ben", "events", CUSTOMER)
    assert cached.exit_code == 0, cached.stderr
    assert json.loads(cached.stdout) == [E1]
    assert cached.stderr == (
        f"from cache, fetched just now by ana@{HOST} · --refresh for a live call "
        "(9 left this hour)\n"
    )
    assert len(standin.show_events_requests()) == 1
    # --new compares with the team's copy: ben's live call finds ana's events old.
    standin.customers[CUSTOMER] = [E1, E2]
    new = machine("ben", "events", CUSTOMER, "--refresh", "--new")
    assert new.exit_code == 0, new.stderr
    assert json.loads(new.stdout) == [E2]
    assert "1 new event since the fetch just now" in new.stderr
    assert len(standin.show_events_requests()) == 2
    report = quota_json(machine, "cy")
    assert [c["by"] for c in report["calls"]] == [f"ana@{HOST}", f"ben@{HOST}"]
    human = machine("cy", "quota").stdout.splitlines()
    assert human[2] == "counted with the team, in the shared store (every member's calls)"
    assert "calls in the last 60 min (local time, customer, outcome, by whom):" in human
    assert re.fullmatch(rf"  \d\d:\d\d  {CUSTOMER}  200  ben@{re.escape(HOST)}", human[-1])


def test_a_retry_is_a_call_for_the_team(standin: StandIn, machine: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    standin.reply(Reply(503, {"message": "Service Unavailable"}))
    result = machine("ana", "events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    report = quota_json(machine, "ben")
    assert [c["status"] for c in report["calls"]] == ["503", "200"]
    assert len(standin.show_events_requests()) == 2


def test_a_unix_socket_url_with_the_password_in_the_query(
    standin: StandIn, machine: Any, shared: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"unix://{shared.socket}?db=0&password={PASSWORD}"
    monkeypatch.setenv("BSEVENTS_SHARED_URL", url)
    standin.customers[CUSTOMER] = [E1]
    assert machine("ana", "events", CUSTOMER).exit_code == 0
    cached = machine("ben", "events", CUSTOMER)
    assert cached.stderr.startswith(f"from cache, fetched just now by ana@{HOST}")
    shown = machine("ben", "config", "show").stdout
    url = f"unix://{shared.socket}?db=0&password=***"
    assert f"shared-url       {url}  (from BSEVENTS_SHARED_URL)" in shown
    assert PASSWORD not in shown


def test_a_stale_shared_copy_is_a_miss(
    standin: StandIn, machine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert machine("ana", "events", CUSTOMER).exit_code == 0
    later = time.time() + 301  # past the default cache TTL of 300 s
    monkeypatch.setattr(time, "time", lambda: later)
    result = machine("ben", "events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert "from cache" not in result.stderr
    assert len(standin.show_events_requests()) == 2


def test_the_hold_after_a_429_is_seen_by_everyone(standin: StandIn, machine: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
    limited = machine("ana", "events", CUSTOMER)
    assert limited.exit_code == 5
    held = machine("ben", "events", CUSTOMER)
    assert held.exit_code == 5
    assert re.search(
        r"Blueshift answered 429 \(rate limit\); live calls are held until \d\d:\d\d "
        r"\(in 60 min\)",
        held.stderr,
    )
    assert len(standin.show_events_requests()) == 1
    report = quota_json(machine, "cy")
    assert report["blocked_until"] is not None
    assert report["calls"][0]["status"] == "429"
    # A forced call that Blueshift answers ends the hold for the whole team.
    assert machine("ben", "events", CUSTOMER, "--force").exit_code == 0
    assert quota_json(machine, "cy")["blocked_until"] is None


def test_redis_stopped_mid_session_falls_back_to_the_local_ledger(
    standin: StandIn, machine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = RedisServer(tmp_path / "own-redis").start()
    try:
        monkeypatch.setenv("BSEVENTS_SHARED_URL", own.url)
        standin.customers[CUSTOMER] = [E1]
        assert machine("ana", "events", CUSTOMER, "--refresh").exit_code == 0
        # Redis goes away while the next request is on its way.
        standin.reply(Reply(200, [E1], delay=0.5))
        stopper = threading.Thread(target=_stop_when_asked, args=(standin, own))
        stopper.start()
        result = machine("ana", "--debug", "events", CUSTOMER, "--refresh")
        stopper.join()
    finally:
        own.stop()
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [E1]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: the shared store redis://:***@127.0.0.1:{own.port}/0 cannot be used "
        f"(Error 111 connecting to 127.0.0.1:{own.port}. Connection refused.); carrying "
        "on with this machine's ledger and cache"
    ], result.stderr
    assert PASSWORD not in result.stderr
    # Without the store, this machine's own calls still count, and the call that was in
    # flight when Redis went away is recorded with its outcome.
    started = time.monotonic()
    report = machine("ana", "quota", "--json")
    assert time.monotonic() - started < 5
    assert report.exit_code == 0
    assert "cannot be used (Error 111 connecting" in report.stderr
    local = json.loads(report.stdout)
    assert local["shared"] is False
    assert [c["status"] for c in local["calls"]] == ["200", "200"]
    assert machine("ana", "events", CUSTOMER, "--refresh").exit_code == 0
    assert len(standin.show_events_requests()) == 3


def _stop_when_asked(standin: StandIn, server: RedisServer) -> None:
    deadline = time.monotonic() + 20
    while len(standin.show_events_requests()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop()


def test_without_the_store_teammates_calls_as_last_seen_still_count(
    standin: StandIn, machine: Any, shared: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert machine("ana", "config", "set", "hourly-cap", "4").exit_code == 0
    for _ in range(3):
        assert machine("ben", "events", CUSTOMER, "--refresh").exit_code == 0
    assert quota_json(machine, "ana")["used"] == 3  # ana has seen the team's calls
    dead = shared.url.replace(f":{shared.port}/", f":{_closed_port()}/")
    monkeypatch.setenv("BSEVENTS_SHARED_URL", dead)
    report = quota_json(machine, "ana")
    assert report["shared"] is False
    assert [(c["status"], c["by"]) for c in report["calls"]] == [("200", f"ben@{HOST}")] * 3
    assert machine("ana", "events", CUSTOMER, "--refresh").exit_code == 0
    refused = machine("ana", "events", CUSTOMER, "--refresh")
    assert refused.exit_code == 5
    assert "hourly budget used: 4 of 4 show_events calls" in refused.stderr
    assert len(standin.show_events_requests()) == 4


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_store_that_never_answers_times_out_into_local_counting(
    standin: StandIn, machine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:  # the kernel accepts connections; nothing ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        monkeypatch.setenv("BSEVENTS_SHARED_URL", f"redis://:{PASSWORD}@127.0.0.1:{port}/0")
        standin.customers[CUSTOMER] = [E1]
        result = machine("ana", "events", CUSTOMER)
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: the shared store redis://:***@127.0.0.1:{port}/0 cannot be used "
        "(timed out); carrying on with this machine's ledger and cache\n"
    )
    assert len(standin.show_events_requests()) == 1


def test_a_wrong_password_is_one_warning_and_local_counting(
    standin: StandIn, machine: Any, shared: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = shared.url.replace(PASSWORD, "not-the-password")
    monkeypatch.setenv("BSEVENTS_SHARED_URL", wrong)
    standin.customers[CUSTOMER] = [E1]
    result = machine("ana", "events", CUSTOMER)
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: the shared store redis://:***@127.0.0.1:{shared.port}/0 cannot be used "
        "(authentication failed); carrying on with this machine's ledger and cache\n"
    )
    assert shared.client().dbsize() == 0


def test_nothing_secret_is_written_to_redis(
    standin: StandIn, machine: Any, shared: RedisServer
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert machine("ana", "events", CUSTOMER).exit_code == 0
    standin.reply(Reply(500, {"message": "boom"}), Reply(429, {"message": "Rate limit"}))
    assert machine("ben", "events", CUSTOMER, "--refresh", "--retries", "0").exit_code == 1
    assert machine("ben", "events", CUSTOMER, "--refresh").exit_code == 5
    forbidden = [
        API_KEY.encode(),
        base64.b64encode(f"{API_KEY}:".encode()),
        base64.b64encode(API_KEY.encode()),
        base64.b64encode(f"{API_KEY}:".encode()).rstrip(b"="),
        PASSWORD.encode(),
    ]
    client = shared.client()
    seen: list[bytes] = []
    for key in client.scan_iter(count=100):
        seen.append(key)
        kind = client.type(key)
        if kind == b"string":
            seen.append(client.get(key))
        elif kind == b"hash":
            seen.extend(b for pair in client.hgetall(key).items() for b in pair)
        elif kind == b"zset":
            seen.extend(member for member, _ in client.zrange(key, 0, -1, withscores=True))
        else:
            pytest.fail(f"unexpected {kind!r} at {key!r}")
    assert len(seen) > 5  # calls, their outcomes, the hold and a copy were all written
    assert any(b"hold" in value for value in seen)
    for value in seen:
        for secret in forbidden:
            assert secret not in value, (secret, value[:200])
    # Every key expires on its own.
    assert all(0 < client.ttl(key) <= 24 * 3600 for key in client.scan_iter())


def test_config_masks_the_password(cli: Any, shared: RedisServer) -> None:
    shown = cli("config", "show")
    url = f"redis://:***@127.0.0.1:{shared.port}/0"
    assert f"shared-url       {url}  (from BSEVENTS_SHARED_URL)" in shown.stdout
    as_json = json.loads(cli("config", "show", "--json").stdout)
    assert as_json["shared_url"] == f"redis://:***@127.0.0.1:{shared.port}/0"
    stored = cli("config", "set", "shared_url", "rediss://team:s3cret@redis.example.com:6380")
    assert stored.exit_code == 0
    assert stored.stderr.startswith(
        "profile 'default': shared-url = rediss://team:***@redis.example.com:6380"
    )
    for result in (shown, stored, cli("config", "get", "shared-url")):
        assert PASSWORD not in result.output
        assert "s3cret" not in result.output


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://redis.example.com", "expected a redis://, rediss:// or unix:// URL"),
        ("redis://:pw@host:notaport", "not a URL"),
    ],
)
def test_a_url_that_is_no_redis_url_is_a_usage_error(cli: Any, url: str, problem: str) -> None:
    result = cli("config", "set", "shared-url", url)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {problem}")
    assert "pw@" not in result.stderr


def test_without_the_redis_library_the_error_names_the_install_command(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # what an environment without it sees
    result = cli("events", CUSTOMER)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: shared-url is set, but the redis client library is not installed\n"
        "  install it with `pipx inject bsevents redis` or `pip install 'bsevents[team]'`\n"
    )
    assert standin.requests == []


def test_hostile_values_in_redis_are_bounded_and_cleaned(
    standin: StandIn, machine: Any, shared: RedisServer
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert machine("ana", "events", CUSTOMER).exit_code == 0
    client = shared.client()
    account = store.shared_account_id("us", API_KEY)
    (call,) = client.scan_iter(match=f"*{account}*:call:*")
    client.hset(call, mapping={"by": "\x1b]0;owned\x07[bold]eve[/bold]", "uuid": "../../etc"})
    (copy,) = client.scan_iter(match="*:response:*")
    client.set(copy, b'{"format": 1, "uuid": "' + CUSTOMER.encode() + b'", "events": 5}')
    report = machine("ben", "quota")
    assert report.exit_code == 0
    assert "\x1b" not in report.stdout
    assert "\x07" not in report.stdout
    assert re.search(
        r"^  \d\d:\d\d  -  200  \?\?0\?owned\?\?bold\?eve\?\?bold\?$", report.stdout, re.M
    )
    fetched = machine("ben", "events", CUSTOMER)
    assert fetched.exit_code == 0, fetched.stderr
    assert "warning: a shared copy was unreadable (BadResponse) and is ignored" in fetched.stderr
    assert len(standin.show_events_requests()) == 2  # the unreadable copy is a miss


@pytest.mark.parametrize(
    ("at", "counts"),
    [
        ("-1e30", False),
        ("nan", False),
        ("inf", False),
        ("1e400", False),
        ("0", False),
        ("an hour and a minute ago", False),
        ("a minute ago", True),
    ],
    ids=repr,
)
def test_a_call_stamped_outside_the_window_does_not_count(
    standin: StandIn, machine: Any, shared: RedisServer, at: str, counts: bool
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert machine("ana", "events", CUSTOMER).exit_code == 0
    client = shared.client()
    now = client.time()[0]
    stamp = {"an hour and a minute ago": str(now - 3660), "a minute ago": str(now - 60)}
    account = store.shared_account_id("us", API_KEY)
    (call,) = client.scan_iter(match=f"*{account}*:call:*")
    client.hset(call, "at", stamp.get(at, at))
    report = quota_json(machine, "ben")
    assert (report["shared"], report["used"]) == (True, int(counts))
    assert (report["next_slot_at"] is not None) == counts
    shown = machine("ben", "quota")
    assert shown.exit_code == 0, shown.stderr
    assert ("next call frees" in shown.stdout) == counts
