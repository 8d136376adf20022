"""The fault matrix: every way the API (or the network) can fail, against the stand-in.
Each case: the exit code, one clear stderr message, empty stdout, no traceback, and a
ledger and store that are consistent afterwards."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CUSTOMER, make_event
from tests.standin import DOCUMENTED_BODIES, HTML_502, Reply, StandIn

GOOD = [make_event(event="identify")]
EXIT = {400: 1, 401: 3, 403: 3, 404: 4, 409: 1, 422: 1, 429: 5, 500: 1, 502: 1, 503: 1, 504: 1}


def quota(cli: Any) -> dict[str, Any]:
    result = cli("quota", "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def assert_one_clear_error(result: Any, code: int) -> None:
    assert result.exit_code == code
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr


@pytest.mark.parametrize("documented", [True, False], ids=["documented-body", "empty-body"])
@pytest.mark.parametrize("status", sorted(EXIT))
def test_status_matrix(standin: StandIn, cli: Any, status: int, documented: bool) -> None:
    standin.customers[CUSTOMER] = GOOD
    assert cli("events", CUSTOMER).exit_code == 0  # a good response is stored first
    body = DOCUMENTED_BODIES[status] if documented else b""
    standin.reply(Reply(status, body))
    result = cli("events", CUSTOMER, "--refresh", "--retries", "0")
    assert_one_clear_error(result, EXIT[status])
    assert f"({status}" in result.stderr
    report = quota(cli)
    assert [c["status"] for c in report["calls"]] == ["200", str(status)]
    # The good response is still there, untouched.
    assert json.loads(cli("events", CUSTOMER, "--offline").stdout) == GOOD


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(502, HTML_502, {"Content-Type": "text/html"}), "502 HTML page: 502 Bad Gateway"),
        (Reply(200, b"[{]"), "the response is not valid JSON"),
        (Reply(200, b'{"uuid": "x"}'), "expected a JSON array of events, got a JSON object"),
        (Reply(200, b'[{"event": "a"}, 7]'), "event 1 is a JSON number, not an object"),
        (Reply(200, b"", drop=True), "the connection to 127.0.0.1"),
    ],
    ids=["html", "malformed-json", "object", "non-object-item", "reset"],
)
def test_bad_answers(standin: StandIn, cli: Any, reply: Reply, message: str) -> None:
    standin.reply(reply)
    result = cli("events", CUSTOMER, "--retries", "0")
    assert_one_clear_error(result, 1)
    assert message in result.stderr
    assert len(quota(cli)["calls"]) == 1
    assert cli("events", CUSTOMER, "--offline").exit_code == 1  # nothing was stored


def test_server_that_never_answers_honours_timeout(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, GOOD, delay=5))
    result = cli("events", CUSTOMER, "--timeout", "0.5")
    assert_one_clear_error(result, 1)
    assert "within 0.5 s" in result.stderr
    assert [c["status"] for c in quota(cli)["calls"]] == ["timeout"]


def test_slow_trickle_is_bounded_by_the_whole_timeout(standin: StandIn, cli: Any) -> None:
    body = json.dumps([make_event(padding="x" * 400)]).encode()
    standin.reply(Reply(200, body, trickle=0.05))  # ~30 chunks, 1.5 s in all
    result = cli("events", CUSTOMER, "--timeout", "0.6")
    assert_one_clear_error(result, 1)
    assert "no complete answer from 127.0.0.1" in result.stderr


def test_slow_trickle_within_the_timeout_succeeds(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, json.dumps(GOOD).encode(), trickle=0.01))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == GOOD


# The status line and headers a byte every 0.25 s, never ending: each read httpx makes
# succeeds, so only a deadline over the whole exchange ends them; without one, the server
# hangs up after 15 s and the error says so instead.
TRICKLED_HEAD = Reply(200, GOOD, head_trickle=0.25)
EVENT_KEY = "test-event-key-fedcba9876543210"


def test_headers_trickled_a_byte_at_a_time_end_at_the_timeout(standin: StandIn, cli: Any) -> None:
    standin.reply(TRICKLED_HEAD)
    result = cli("events", CUSTOMER, "--timeout", "1", "--retries", "0")
    assert_one_clear_error(result, 1)
    assert (
        f"error: no complete answer from {standin.base_url[7:]} within 1 s\n"
        "  try again, or allow longer with --timeout SECONDS\n"
    ) in result.stderr
    assert [c["status"] for c in quota(cli)["calls"]] == ["timeout"]


def test_a_search_trickling_its_headers_ends_at_the_timeout(standin: StandIn, cli: Any) -> None:
    standin.reply(TRICKLED_HEAD)
    result = cli("events", "--email", "maya@example.com", "--timeout", "1")
    assert_one_clear_error(result, 1)
    assert f"error: no complete answer from {standin.base_url[7:]} within 1 s" in result.stderr
    assert standin.show_events_requests() == []


def test_send_ends_at_the_timeout_and_says_the_event_may_be_in(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    standin.reply(TRICKLED_HEAD)
    result = cli("send", "signed_up", "--email", "maya@example.com", "--timeout", "1")
    assert_one_clear_error(result, 1)
    uuid = json.loads(standin.event_requests()[0].body)["event_uuid"]
    assert (
        f"error: no complete answer from {standin.base_url[7:]} within 1 s, and the event may "
        f"have been accepted · event_uuid {uuid}\n  look for it with bsevents events before "
        "sending it again, or allow longer with --timeout SECONDS\n"
    ) in result.stderr
    assert len(standin.event_requests()) == 1


def test_send_cut_off_says_the_event_may_be_in_as_one_sentence(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    standin.reply(Reply(200, b"", drop=True))
    result = cli("send", "signed_up", "--email", "maya@example.com")
    assert_one_clear_error(result, 1)
    uuid = json.loads(standin.event_requests()[0].body)["event_uuid"]
    assert (
        f"error: the connection to {standin.base_url[7:]} failed: Server disconnected without "
        f"sending a response, and the event may have been accepted · event_uuid {uuid}\n"
    ) in result.stderr


@pytest.fixture
def elsewhere() -> Iterator[StandIn]:
    other = StandIn().start()
    try:
        yield other
    finally:
        other.stop()


def test_redirect_to_another_origin_is_not_followed(
    standin: StandIn, elsewhere: StandIn, cli: Any
) -> None:
    standin.reply(Reply(302, b"", {"Location": f"{elsewhere.base_url}/steal"}))
    result = cli("events", CUSTOMER)
    assert_one_clear_error(result, 1)
    assert "redirected to 127.0.0.1" in result.stderr
    assert elsewhere.requests == []
    assert len(standin.requests) == 1


def test_retries_502_503_504_then_succeeds(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = GOOD
    standin.reply(Reply(503, DOCUMENTED_BODIES[503]), Reply(502, b""))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == GOOD
    assert "retry 1 of 2 in" in result.stderr
    assert "retry 2 of 2 in" in result.stderr
    assert [c["status"] for c in quota(cli)["calls"]] == ["503", "502", "200"]


def test_retries_give_up_after_n(standin: StandIn, cli: Any) -> None:
    standin.reply(*[Reply(504, DOCUMENTED_BODIES[504]) for _ in range(3)])
    result = cli("events", CUSTOMER, "--retries", "1")
    assert result.exit_code == 1
    assert "504 Gateway Timeout" in result.stderr
    assert len(standin.requests) == 2


def test_reset_is_retried_and_counted(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = GOOD
    standin.reply(Reply(200, b"", drop=True))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0
    assert [c["status"] for c in quota(cli)["calls"]] == ["network", "200"]


def test_no_retry_crosses_the_cap(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = GOOD
    for _ in range(9):
        assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    standin.reply(Reply(503, DOCUMENTED_BODIES[503]), Reply(503, DOCUMENTED_BODIES[503]))
    result = cli("events", CUSTOMER, "--refresh")
    assert result.exit_code == 1
    assert "not retrying: the hourly cap is reached" in result.stderr
    assert "503 Service Unavailable" in result.stderr
    assert len(standin.show_events_requests()) == 10


def test_timeouts_are_not_retried(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, GOOD, delay=2), Reply(200, GOOD, delay=2))
    result = cli("events", CUSTOMER, "--timeout", "0.3")
    assert result.exit_code == 1
    assert len(standin.requests) == 1


def test_ten_thousand_events(standin: StandIn, cli: Any) -> None:
    events = [
        make_event(event_uuid=f"e-{i}", timestamp=f"2026-11-{1 + i % 28:02d}T10:00:{i % 60:02d}Z")
        for i in range(12_000)
    ]
    standin.customers[CUSTOMER] = events
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert len(out) == 12_000
    assert sorted(out, key=lambda e: e["timestamp"]) == out
    assert result.stderr == ""  # no spinner when stderr is not a terminal
