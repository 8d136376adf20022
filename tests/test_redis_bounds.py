"""A hostile or broken Redis is bounded: every reply by size, element count, depth and a
deadline, against a home-made RESP server on loopback (tests/resp_server.py) that sends
what no redis-server would; and the bounded reader still reads what a real redis-server
sends. Each bad reply is one warning, and the command carries on with the local ledger."""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bsevents.state import redis_store as store
from tests import redis_server
from tests.conftest import API_KEY
from tests.measure import run_measured
from tests.redis_server import RedisServer
from tests.resp_server import Answer, RespServer

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("redis") is None,
    reason="the redis library is not installed: pip install -e '.[test]'",
)

MB = 1024 * 1024
# A reply is refused once it passes 65 MB: the measured peaks (README, "Reliability") are
# about 40 MB when it is refused from its header, and the interpreter plus what was read of
# it, less than twice over, when it is refused on the way.
PEAK_BOUND_MB = 200
# A budget as the store's script answers it: its clock, no hold, no call.
EMPTY_BUDGET = b"*3\r\n$17\r\n1796000000.000000\r\n$0\r\n\r\n$0\r\n\r\n"


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Iterator[RespServer]:
    server = RespServer().start()
    monkeypatch.setenv("BSEVENTS_SHARED_URL", server.url)
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    store.forget()
    try:
        yield server
    finally:
        server.stop()
        store.forget()


def gave_up(server: RespServer, why: str) -> str:
    masked = server.url.replace("secret-password", "***")
    return (
        f"warning: the shared store {masked} cannot be used ({why}); carrying on with this "
        "machine's ledger and cache\n"
    )


def counted_locally(stdout: str) -> None:
    report = json.loads(stdout)
    assert (report["shared"], report["used"]) == (False, 0)


def three_bulks_of(size: int) -> bytes:
    bulk = f"${size}\r\n".encode() + bytes(size) + b"\r\n"
    return b"*3\r\n" + bulk * 3


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (
            Answer(b"$3000000000\r\n", bytes(65536), 256 * MB),
            "a reply of more than 65 MB",
        ),
        (Answer(three_bulks_of(30 * MB)), "a reply of more than 65 MB"),
        (
            Answer(b"*50000000\r\n", b":1\r\n" * 16384, 64 * MB),
            "a reply of more than 10,000 elements",
        ),
        (Answer(b"+", b"a" * 65536, 256 * MB), "a reply line of more than 64 kB"),
    ],
    ids=["3GB-bulk", "three-30MB-bulks", "50-million-elements", "endless-line"],
)
def test_a_huge_reply_is_refused_within_bounded_memory(
    hostile: RespServer, answer: Answer, why: str
) -> None:
    hostile.reply("EVAL", answer)
    code, out, err, peak = run_measured("quota", "--json")
    assert code == 0, err
    assert err == gave_up(hostile, why)
    counted_locally(out)
    assert peak < PEAK_BOUND_MB, f"peak RSS {peak:.0f} MB"
    print(f"{why}: peak RSS {peak:.0f} MB")


@pytest.mark.parametrize("command", ["PING", "EVAL"])
def test_a_reply_at_a_byte_every_0_3_s_times_out(
    hostile: RespServer, cli: Any, command: str
) -> None:
    hostile.reply("EVAL", Answer(EMPTY_BUDGET))
    slow = Answer(b"+PONG\r\n" if command == "PING" else EMPTY_BUDGET, per_byte=0.3)
    hostile.reply(command, slow)
    started = time.monotonic()
    result = cli("quota", "--json")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    assert result.stderr == gave_up(hostile, "timed out")
    counted_locally(result.stdout)
    print(f"slow {command}: quota took {elapsed:.2f} s")


@pytest.mark.parametrize(
    ("head", "why"),
    [
        (b"*1\r\n" * 1000 + b":1\r\n", "a reply nested more than 4 deep"),
        (b":" + b"9" * 5000 + b"\r\n", "Protocol Error: not a number: b'9999"),
        (b"$-5\r\n", "Protocol Error: a length of -5"),
        (b"*-7\r\n", "Protocol Error: a length of -7"),
        (b"%1\r\n+a\r\n+b\r\n", "Protocol Error: b'%1'"),
        (b"$3\r\nabcdef\r\n", "Protocol Error: a bulk reply longer than it said"),
        (b"*3\r\n$1\r\n1", "Connection closed by server."),
        (
            b"*3\r\n$3\r\nnan\r\n$0\r\n\r\n$0\r\n\r\n",
            "the store's clock is not a plausible time",
        ),
    ],
    ids=[
        "nested",
        "5000-digits",
        "negative-bulk",
        "negative-array",
        "resp3",
        "long",
        "cut",
        "clock-nan",
    ],
)
def test_an_odd_reply_is_one_warning(hostile: RespServer, cli: Any, head: bytes, why: str) -> None:
    hostile.reply("EVAL", Answer(head, b"\0", 1))  # then the server hangs up
    result = cli("quota", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(gave_up(hostile, why).split(why)[0] + why)
    assert len(result.stderr.splitlines()) == 1
    counted_locally(result.stdout)


@pytest.mark.skipif(not redis_server.available(), reason="redis-server is not installed")
def test_a_real_redis_reads_large_replies_within_the_bounds(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    warned: list[str] = []
    try:
        client = store.connect(server.url, warned.append)
        assert client is not None
        copy = bytes(range(256)) * (60 * MB // 256)  # near the largest stored copy
        client.set("copy", copy)
        assert client.getrange("copy", 0, 64 * MB) == copy
        client.rpush("calls", *range(9000))
        assert client.lrange("calls", 0, -1) == [str(i).encode() for i in range(9000)]
        assert client.get("absent") is None
    finally:
        store.forget()
        server.stop()
    assert warned == []
