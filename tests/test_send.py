"""`bsevents send`: through the console script against the stand-in's Event API, the
Event API key's storage, and the round trip with --wait."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bsevents.api.event_body import Identity, build_event, check_name, parse_param
from bsevents.errors import UsageProblem
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import EVENT, SEARCH, SHOW_EVENTS, Reply, StandIn

EVENT_KEY = "test-event-key-fedcba9876543210"
UUID4_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
MAYA = {"uuid": CUSTOMER, "email": "maya@example.com", "customer_id": "C-100482"}


@pytest.fixture
def server(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    return standin


def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def sent(server: StandIn) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in server.event_requests()]


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--customer-id", "C-100482", "customer_id"),
        ("--email", "maya@example.com", "email"),
        ("--cookie", "ck-2f9a", "cookie"),
    ],
)
def test_send_with_each_identity(server: StandIn, option: str, value: str, field: str) -> None:
    before = datetime.now(timezone.utc)
    done = run("send", "signed_up", option, value)
    assert done.returncode == 0, done.stderr
    (body,) = sent(server)
    assert done.stdout == body["event_uuid"] + "\n"
    assert UUID4_RE.fullmatch(body["event_uuid"])
    assert set(body) == {"event", field, "event_uuid", "timestamp"}
    assert (body["event"], body[field]) == ("signed_up", value)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["timestamp"])
    moment = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    assert before.replace(microsecond=0) <= moment <= datetime.now(timezone.utc)
    (request,) = server.requests
    assert (request.method, request.path, request.auth_user) == ("POST", EVENT, EVENT_KEY)
    assert request.headers["content-type"] == "application/json"
    # The id is on stderr before the POST goes out (an interrupt leaves it on screen).
    assert done.stderr == (
        f"sending signed_up for {field} {value} · event_uuid {body['event_uuid']} (new)\n"
        "accepted · 200\n"
    )


def test_typed_params_and_data_from_stdin(server: StandIn) -> None:
    data = {"plan": "basic", "seats": 1, "address": {"city": "Malmö"}}
    done = run(
        "send",
        "purchase",
        "--customer-id",
        "C-1",
        "--data",
        "-",
        "--param",
        "order_id=ORD-1",
        "--param",
        "seats:=3",
        "-p",
        'tags:=["a","b"]',
        "-p",
        "paid:=true",
        "-p",
        "revenue=12.50",
        "-p",
        "note=a=b:=c",
        "--event-uuid",
        "0F3C2A9E-7D41-4B8E-9A55-3E1F6C8D2B70",
        stdin=json.dumps(data),
    )
    assert done.returncode == 0, done.stderr
    (body,) = sent(server)
    assert done.stdout == "0f3c2a9e-7d41-4b8e-9a55-3e1f6c8d2b70\n"
    assert {k: v for k, v in body.items() if k != "timestamp"} == {
        "event": "purchase",
        "customer_id": "C-1",
        "event_uuid": "0f3c2a9e-7d41-4b8e-9a55-3e1f6c8d2b70",
        "plan": "basic",
        "seats": 3,  # --param wins over --data
        "address": {"city": "Malmö"},
        "order_id": "ORD-1",
        "tags": ["a", "b"],
        "paid": True,
        "revenue": "12.50",
        "note": "a=b:=c",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["order.placed", "--email", "m@x.io"], "event name 'order.placed' has a period"),
        (["step2", "--email", "m@x.io"], "event name 'step2' has a digit"),
        (["a" * 65, "--email", "m@x.io"], "has 65 characters: RudderStack's Blueshift"),
        (["signed up", "--email", "m@x.io"], "has white space"),
        (["purchase"], "no customer given: an event needs --customer-id, --email or --cookie"),
        (["purchase", "--email", "not-an-email"], "'not-an-email' is not an email address"),
        (["purchase", "--cookie", "c", "-p", "seats:=three"], "'three' is not JSON"),
        (["purchase", "--cookie", "c", "-p", "seats"], "--param 'seats' has no = (or :=)"),
        (["purchase", "--cookie", "c", "-p", "email=x@y.io"], "the parameters set 'email'"),
        (["purchase", "--cookie", "c", "--event-uuid", " "], "--event-uuid ' ' is empty"),
        (["purchase", "--cookie", "c", "--event-uuid", "a\tb"], "has a control or invisible"),
        (["purchase", "--cookie", " "], "--cookie ' ' is empty"),
        (["purchase", "--customer-id", "C-1\u202e"], "--customer-id 'C-1\\u202e' has a control"),
        (["--cookie", "c"], "no event name given"),
        (["purchase", "--cookie", "c", "--wait", "1m"], "--wait needs to know whose events"),
        (["purchase", "--cookie", "c", "--uuid", CUSTOMER], "--uuid only tells --wait"),
    ],
)
def test_bad_input_exits_2_without_a_request(
    server: StandIn, cli: Any, args: list[str], message: str
) -> None:
    result = cli("send", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert server.requests == []


def test_force_sends_a_refused_name(server: StandIn) -> None:
    done = run("send", "order.placed", "--email", "m@x.io", "--force")
    assert done.returncode == 0, done.stderr
    assert sent(server)[0]["event"] == "order.placed"


def test_bad_data_exits_2(server: StandIn, tmp_path: Any) -> None:
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    assert (
        "is a JSON number, not an event object"
        in run("send", "x", "--cookie", "c", "--data", str(listing)).stderr
    )
    missing = run("send", "x", "--cookie", "c", "--data", str(tmp_path / "none.json"))
    assert missing.returncode == 2
    assert "No such file or directory" in missing.stderr
    assert server.requests == []


def test_missing_event_key_exits_3_without_a_request(standin: StandIn) -> None:
    done = run("send", "purchase", "--email", "m@x.io")  # only the User key is set
    assert done.returncode == 3
    # No keyring here: the message says so, and names both ways to give the key.
    first, hint = done.stderr.splitlines()
    assert first.startswith(
        "error: no Blueshift Event API key for profile 'default': BLUESHIFT_EVENT_API_KEY is "
        "not set and the system keyring cannot be used"
    )
    assert hint == (
        "  set BLUESHIFT_EVENT_API_KEY in the environment instead, or keep the key in a "
        "plain-text file with `bsevents config set-key --event --insecure-storage`"
    )
    assert done.stdout == ""
    assert standin.requests == []


def test_rejected_event_key_exits_3(server: StandIn) -> None:
    done = run("send", "purchase", "--email", "m@x.io", BLUESHIFT_EVENT_API_KEY="wrong-key-123")
    assert done.returncode == 3
    (body,) = sent(server)
    sending, error, hint = done.stderr.splitlines()
    assert sending.startswith("sending purchase for email m@x.io · event_uuid ")
    assert error == (
        "error: Blueshift rejected the Event API key (401 Not authorized) · event_uuid "
        + body["event_uuid"]
    )
    assert hint.startswith("  check that it is the *Event* API key")
    assert API_KEY not in done.stderr


def test_a_body_blueshift_refuses_exits_1_with_its_message(server: StandIn) -> None:
    # Blueshift's own check, scripted: bsevents refuses an empty id before sending.
    server.reply(
        Reply(400, {"errors": {"customer": ["an email, customer_id, cookie or device_id"]}})
    )
    done = run("send", "purchase", "--customer-id", "42")
    assert done.returncode == 1
    (body,) = sent(server)
    assert done.stderr.splitlines()[1] == (
        "error: Blueshift refused the request (400 customer: an email, customer_id, cookie "
        f"or device_id) · event_uuid {body['event_uuid']}"
    )
    assert done.stdout == ""


def test_curl_prints_the_request_with_the_variable_and_sends_nothing(server: StandIn) -> None:
    done = run("send", "purchase", "--email", "m@x.io", "-p", "it's:=1", "--curl")
    assert done.returncode == 0, done.stderr
    assert server.requests == []
    assert EVENT_KEY not in done.stdout
    command = done.stdout.strip()
    assert command.startswith('curl -sS --fail-with-body -u "$BLUESHIFT_EVENT_API_KEY:" ')
    assert command.endswith(f" {server.base_url}{EVENT}")
    # Run it with a curl that prints its arguments: the shell quoting keeps the body whole.
    args = subprocess.run(
        ["bash", "-c", 'curl() { printf "%s\\0" "$@"; }; ' + command],
        capture_output=True,
        text=True,
        check=True,
        env={"BLUESHIFT_EVENT_API_KEY": "K"},
    ).stdout.split("\0")
    assert args[args.index("-u") + 1] == "K:"
    body = json.loads(args[args.index("--data-raw") + 1])
    assert body["it's"] == 1
    assert body["email"] == "m@x.io"


def faster(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script under a clock twenty times faster (libfaketime): a wait of a
    minute takes three seconds."""
    lib = next(iter(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")), None)
    if lib is None:
        pytest.skip("libfaketime is not installed")
    return run(*args, "--timeout", "600", LD_PRELOAD=str(lib), FAKETIME="+0 x20", **env)


def test_round_trip_waits_for_the_event_to_arrive(server: StandIn) -> None:
    server.people["maya@example.com"] = [MAYA]
    server.customers[CUSTOMER] = [make_event(event="identify")]
    server.ingest_delay = 1.0  # real seconds: 20 s of the faster clock
    done = faster(
        "send", "purchase", "--email", "maya@example.com", "-p", "order_id=ORD-1", "--wait", "60s"
    )
    assert done.returncode == 0, done.stderr
    (body,) = sent(server)
    assert done.stdout == f"{body['event_uuid']}\n"  # the id, as without --wait
    paths = [r.path for r in server.requests]
    # Whose events is settled before the send: the email looked up, the customer's
    # events answered (which proves the User key); then nothing is asked for 10 s.
    assert paths[:3] == [SEARCH, SHOW_EVENTS, EVENT]
    polls = paths[3:].count(SHOW_EVENTS)
    assert polls in (1, 2)  # at +10 s (on a busy machine, later) and +30 s
    assert re.search(rf"found after \d+ s · {polls} calls?\n", done.stderr), done.stderr
    assert re.search(r"arrived after \d+ s$", done.stderr), done.stderr
    server.requests.clear()
    done = faster("send", "purchase", "--email", "maya@example.com", "--wait", "60s", "--json")
    assert done.returncode == 0, done.stderr
    (body,) = sent(server)
    # With --json: the id and its status as soon as it is accepted, then its arrival.
    accepted, arrival = (json.loads(line) for line in done.stdout.splitlines())
    assert accepted == {"event_uuid": body["event_uuid"], "index": 0, "status": 200}
    assert arrival.pop("arrived") == {**body, "user_uuid": CUSTOMER, "_bsft_doc_type": "events"}
    assert arrival.pop("arrived_after") > 0
    assert arrival == accepted


def test_round_trip_by_uuid_exits_6_at_the_deadline_having_polled_twice(
    server: StandIn,
) -> None:
    server.customers[CUSTOMER] = []
    done = faster(
        "send",
        "purchase",
        "--cookie",
        "ck-1",  # the stand-in cannot tie a cookie to the customer: it never shows
        "--uuid",
        CUSTOMER,
        "--wait",
        "20s",
    )
    assert done.returncode == 6
    (body,) = sent(server)
    # One answer before the send, then polls at +10 s and at the deadline: no sooner.
    assert len(server.show_events_requests()) == 3
    assert done.stdout == f"{body['event_uuid']}\n"  # the id of an event that was sent
    assert done.stderr.splitlines()[-1] == (
        f"no event {body['event_uuid']} for customer {CUSTOMER} within 20s · 2 calls spent"
    )


def test_a_dashboard_url_s_region_is_said_once_however_often_it_is_asked(
    server: StandIn,
) -> None:
    server.customers[CUSTOMER] = []
    url = f"https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
    done = faster("send", "purchase", "--cookie", "ck-1", "--uuid", url, "--wait", "20s")
    assert done.returncode == 6
    said = [line for line in done.stderr.splitlines() if "the URL is from the eu" in line]
    assert said == [
        "the URL is from the eu dashboard (app.eu.getblueshift.com): counting and storing as "
        f"region eu, calling {server.base_url}, not region us of profile 'default'"
    ]


def test_wait_without_a_user_key_exits_3_before_sending(server: StandIn) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BLUESHIFT_API_KEY"}
    done = subprocess.run(
        [str(SCRIPT), "send", "purchase", "--cookie", "c", "--uuid", CUSTOMER, "--wait", "1m"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert server.requests == []


def test_wait_for_an_unknown_uuid_or_with_a_rejected_user_key_sends_nothing(
    server: StandIn,
) -> None:
    unknown = "0badbeef-0000-4000-8000-000000000000"
    done = run("send", "signed_up", "--cookie", "c", "--uuid", unknown, "--wait", "20s")
    assert (done.returncode, done.stdout) == (4, "")
    assert [r.path for r in server.requests] == [SHOW_EVENTS]  # asked; nothing was sent
    server.customers[CUSTOMER] = []
    done = run(
        "send",
        "signed_up",
        "--cookie",
        "c",
        "--uuid",
        CUSTOMER,
        "--wait",
        "20s",
        BLUESHIFT_API_KEY="wrong-user-key-000",
    )
    assert (done.returncode, done.stdout) == (3, "")
    assert server.event_requests() == []


def test_wait_with_the_budget_spent_refuses_before_sending(server: StandIn, cli: Any) -> None:
    server.customers[CUSTOMER] = []
    for _ in range(9):
        assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    done = run("send", "signed_up", "--cookie", "c", "--uuid", CUSTOMER, "--wait", "20s")
    assert (done.returncode, done.stdout) == (5, "")
    assert done.stderr.startswith(
        "error: 1 call left this hour, kept for you, so there is nothing to wait with; "
        "nothing was sent\n"
    )
    assert server.event_requests() == []


def test_event_key_from_the_keyring_and_the_key_file(
    server: StandIn, cli: Any, keyring_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_EVENT_API_KEY")
    ring = keyring_backend("MemoryKeyring")
    stored = cli("config", "set-key", "--event", "--stdin", input="ring-event-key-0001\n")
    assert stored.exit_code == 0, stored.stderr
    assert "stored the Event API key ••••0001 for profile 'default'" in stored.stderr
    assert ring.entries == {("bsevents", "default:event"): "ring-event-key-0001"}
    server.event_api_key = "ring-event-key-0001"
    assert cli("send", "x", "--cookie", "c").exit_code == 0
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    plain = cli(
        "config", "set-key", "--event", "--stdin", "--insecure-storage", input="file-event-key-02"
    )
    assert plain.exit_code == 0, plain.stderr
    server.event_api_key = "file-event-key-02"
    again = cli("send", "x", "--cookie", "c")
    assert again.exit_code == 0, again.stderr
    users = [r.auth_user for r in server.event_requests()]
    assert users == ["ring-event-key-0001", "file-event-key-02"]
    # The User key is another entry: deleting it leaves the Event key alone, and back.
    cli("config", "set-key", "--stdin", "--insecure-storage", input=API_KEY)
    cli("config", "delete-key")
    assert cli("send", "x", "--cookie", "c").exit_code == 0
    cli("config", "set-key", "--stdin", "--insecure-storage", input=API_KEY)
    gone = cli("config", "delete-key", "--event")
    assert "deleted the plain-text Event API key for profile 'default'" in gone.stderr
    assert cli("send", "x", "--cookie", "c").exit_code == 3
    from bsevents.state.keys import file_get

    assert file_get("default")[0] == API_KEY


# The body as pure functions -------------------------------------------------------------


def test_build_event_orders_fields_and_keeps_a_given_timestamp() -> None:
    now = datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=timezone.utc)
    body = build_event(
        "purchase",
        Identity(email="m@x.io", customer_id="C-1"),
        params=["timestamp=2026-11-30T10:00:00Z"],
        event_uuid="0f3c2a9e-7d41-4b8e-9a55-3e1f6c8d2b70",
        now=now,
    )
    assert list(body) == ["event", "customer_id", "email", "event_uuid", "timestamp"]
    assert body["timestamp"] == "2026-11-30T10:00:00Z"
    assert build_event("x", Identity(cookie="c"), now=now)["timestamp"] == (
        "2026-12-01T03:04:05.678Z"
    )


def test_parse_param_and_check_name() -> None:
    assert parse_param("a:=null") == ("a", None)
    assert parse_param(" a =b") == ("a", "b")
    with pytest.raises(UsageProblem):
        parse_param("=x")
    with pytest.raises(UsageProblem):
        parse_param("n:=NaN")
    assert check_name("add_to_cart", force=False) == "add_to_cart"
    assert check_name("a" * 64, force=False) == "a" * 64
    with pytest.raises(UsageProblem):
        check_name(" ", force=True)


def test_wait_for_an_unknown_email_sends_nothing(server: StandIn) -> None:
    done = run("send", "signed_up", "--email", "nobody@example.com", "--wait", "20s")
    assert (done.returncode, done.stdout) == (4, "")
    assert [r.path for r in server.requests] == [SEARCH]  # looked up; nothing was sent


@pytest.mark.parametrize(
    "args",
    [
        ["signed_up", "--cookie", ""],
        ["signed_up", "--customer-id", "  "],
        ["sign\x1bup", "--email", "maya@example.com"],
        ["sign\x01up", "--email", "maya@example.com", "--force"],
        ["sign\u200bup", "--cookie", "c", "--force"],
    ],
)
def test_empty_identities_and_control_characters_are_refused_before_sending(
    server: StandIn, args: list[str]
) -> None:
    done = run("send", *args)
    assert (done.returncode, done.stdout) == (2, "")
    assert not {"\x1b", "\x01", "\u200b"} & set(done.stderr)
    assert server.requests == []


def test_wait_that_would_spend_the_last_calls_on_looking_refuses_before_any_call(
    server: StandIn, cli: Any
) -> None:
    # 3 an hour, 1 spent: looking the customer up (no stored copy) would leave 1, kept
    # for you, and nothing to wait with. Nothing is spent, nothing is sent.
    server.customers[CUSTOMER] = []
    assert cli("config", "set", "hourly-cap", "3").exit_code == 0
    assert cli("events", "0badbeef-0000-4000-8000-000000000000", "--refresh").exit_code == 4
    done = run("send", "signed_up", "--cookie", "c", "--uuid", CUSTOMER, "--wait", "1m")
    assert (done.returncode, done.stdout) == (5, "")
    assert done.stderr.startswith(
        "error: 2 calls left this hour: the first look at the customer's events takes one "
        "and the last is kept for you, so there is nothing to wait with; nothing was sent\n"
        "  the next call frees at "
    )
    assert len(server.show_events_requests()) == 1  # only the refresh before
    assert server.event_requests() == []
