"""`bsevents events` against the stand-in server: the request, the output, every exit code."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from bsevents import __version__
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.standin import DOCUMENTED_BODIES, HTML_502, Reply, StandIn

URL = f"https://app.getblueshift.com/dashboard#/app/customer/{CUSTOMER.upper()}/show/overview"


def test_request_has_path_query_auth_accept_and_user_agent(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    result = cli("events", URL)
    assert result.exit_code == 0, result.stderr
    [request] = standin.requests
    assert request.method == "GET"
    assert request.path == "/api/v1/customer_search/show_events"
    assert request.query == {"uuid": [CUSTOMER]}
    expected_auth = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert request.headers["authorization"] == expected_auth
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == f"bsevents/{__version__}"


def test_uuid_option_is_the_same_as_the_argument(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = []
    result = cli("events", "--uuid", f"  '{CUSTOMER.upper()}' ")
    assert result.exit_code == 0, result.stderr
    assert standin.requests[0].query == {"uuid": [CUSTOMER]}


def test_piped_output_is_the_objects_as_received_sorted(standin: StandIn, cli: Any) -> None:
    late = make_event(
        event="purchase",
        timestamp="2021-06-24T05:00:00.000Z",
        revenue="31.24",
        products=[{"sku": "A1", "qty": 2}],
        nested={"b": 1, "a": [None, 1.5]},
    )
    early = make_event(event="identify", timestamp="2021-06-24T06:00:00+03:00")  # 03:00Z
    untimed = make_event(event="custom_thing", timestamp="string", timestamp_epoch="string")
    del untimed["timestamp"]
    standin.customers[CUSTOMER] = [untimed, late, early]
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [early, late, untimed]
    # Key order and values pass through untouched.
    assert [list(e) for e in json.loads(result.stdout)] == [list(early), list(late), list(untimed)]
    assert "1 event has no usable time" in result.stderr


def test_no_events_prints_an_empty_array(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = []
    result = cli("events", CUSTOMER)
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_table_view_on_request(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [make_event(event="add_to_cart", product_id="SKU-9")]
    result = cli("events", CUSTOMER, "--view", "table")
    assert result.exit_code == 0, result.stderr
    assert "add_to_cart" in result.stdout
    assert "product_id=SKU-9" in result.stdout
    assert "products=" not in result.stdout
    assert "2021-06-24 04:53:54" in result.stdout


@pytest.mark.parametrize(
    "customer", ["not-a-uuid", "", "https://app.getblueshift.com/dashboard#/app/customers"]
)
def test_bad_customer_exits_2_and_sends_nothing(standin: StandIn, cli: Any, customer: str) -> None:
    result = cli("events", customer)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "expected a customer UUID, a Blueshift dashboard URL or an email address" in (
        result.stderr
    )
    assert CUSTOMER in result.stderr  # the example
    assert standin.requests == []


def test_missing_customer_exits_2(standin: StandIn, cli: Any) -> None:
    result = cli("events")
    assert result.exit_code == 2
    assert "no customer given" in result.stderr
    assert standin.requests == []


def test_no_key_exits_3_naming_both_ways(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    result = cli("events", CUSTOMER)
    assert result.exit_code == 3
    assert "BLUESHIFT_API_KEY" in result.stderr
    assert "bsevents config set-key" in result.stderr
    assert result.stdout == ""
    assert standin.requests == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://api.example.com", 2),
        ("http://10.0.0.8:8080", 2),
        ("ftp://127.0.0.1", 2),
        ("not a url", 2),
    ],
)
def test_plain_http_only_on_loopback(
    cli: Any, monkeypatch: pytest.MonkeyPatch, url: str, code: int
) -> None:
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    result = cli("events", CUSTOMER, "--base-url", url)
    assert result.exit_code == code
    assert result.stdout == ""


def test_wrong_key_is_401_exit_3_with_advice(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUESHIFT_API_KEY", "wrong-key-000000000000")
    standin.customers[CUSTOMER] = []
    result = cli("events", CUSTOMER)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "401 Not authorized" in result.stderr
    assert "*User* API key" in result.stderr
    assert "region" in result.stderr
    assert "wrong-key" not in result.stderr


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, 1),
        (401, 3),
        (403, 3),
        (404, 4),
        (409, 1),
        (422, 1),
        (429, 5),
        (500, 1),
        (502, 1),
        (503, 1),
        (504, 1),
        (418, 1),
    ],
)
def test_status_maps_to_exit_code_and_quotes_blueshift(
    standin: StandIn, cli: Any, status: int, code: int
) -> None:
    body = DOCUMENTED_BODIES.get(status, {"message": "I'm a teapot"})
    standin.reply(Reply(status, body))
    result = cli("events", CUSTOMER, "--retries", "0")
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2
    assert lines[0].startswith("error: ")
    said = body.get("message") or body.get("error") or "uuid: can't be blank"
    assert f"{status} {said}" in lines[0]
    assert "Traceback" not in result.stderr


def test_html_error_page_is_summarised(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(502, HTML_502, {"Content-Type": "text/html"}))
    result = cli("events", CUSTOMER, "--retries", "0")
    assert result.exit_code == 1
    assert "502 HTML page: 502 Bad Gateway" in result.stderr
    assert "<html>" not in result.stderr


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[{bad json", "not valid JSON"),
        (b'{"events": []}', "got a JSON object"),
        (b'[1, "two"]', "event 0 is a JSON number"),
    ],
)
def test_unexpected_200_bodies_exit_1(
    standin: StandIn, cli: Any, body: bytes, problem: str
) -> None:
    standin.reply(Reply(200, body))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 1
    assert problem in result.stderr
    assert result.stdout == ""


def test_timeout_is_honoured(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, [], delay=2.0))
    result = cli("events", CUSTOMER, "--timeout", "0.3")
    assert result.exit_code == 1
    assert "no complete answer from 127.0.0.1" in result.stderr
    assert "within 0.3 s" in result.stderr


def test_connection_refused_exits_1(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    result = cli("events", CUSTOMER, "--base-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "could not connect to 127.0.0.1:9" in result.stderr


def test_redirect_is_not_followed(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(302, b"", {"Location": "https://evil.example.net/steal"}))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 1
    assert "redirected to evil.example.net" in result.stderr
    assert len(standin.requests) == 1


def test_region_flag_and_env_pick_the_base_url(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bsevents.state.settings import resolve

    assert resolve(env={}).base_url == "https://api.getblueshift.com"
    assert resolve(env={"BLUESHIFT_REGION": "eu"}).base_url == "https://api.eu.getblueshift.com"
    assert resolve(region="us", env={"BLUESHIFT_REGION": "eu"}).region == "us"
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    result = cli("events", CUSTOMER, "--region", "mars")
    assert result.exit_code == 2
    assert "unknown region 'mars': expected one of us, eu" in result.stderr


def test_demo_needs_no_key_and_no_network(cli: Any) -> None:
    result = cli("events", "--demo")
    assert result.exit_code == 0
    events = json.loads(result.stdout)
    assert len(events) >= 30
    names = {e["event"] for e in events}
    assert {
        "identify",
        "pageload",
        "view",
        "add_to_cart",
        "checkout",
        "purchase",
        "search",
    } <= names
    times = [e["timestamp_epoch"] for e in events]
    assert times == sorted(times)


def test_demo_table(cli: Any) -> None:
    result = cli("events", "--demo", "--view", "table")
    assert result.exit_code == 0
    assert "demo data" in result.stdout
    assert "purchase" in result.stdout
    assert "order_id=SO-2026-118734" in result.stdout


def test_version_and_help(cli: Any) -> None:
    assert cli("--version").stdout == f"bsevents {__version__}\n"
    helped = cli("--help")
    assert helped.exit_code == 0
    assert "events" in helped.stdout
