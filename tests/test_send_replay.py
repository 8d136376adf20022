"""`send --data` replays whole Event API bodies as a pipeline sent them (issue 25), and
`send` always tells the event_uuid (issue 23, item 10): through the console script
against the stand-in, with bodies shaped like those RudderStack's Blueshift destination
posts (rudder-transformer's own test suite: an identify with group_id, a mobile identify
whose event_uuid is RudderStack's message id, a view with products)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bsevents.api.event_body import Identity
from bsevents.api.replay import (
    BULK_BYTES,
    BULK_EVENTS,
    Flags,
    Read,
    batches,
    bulk_text,
    complete,
    finish,
    read_bodies,
    same_id,
)
from bsevents.errors import UsageProblem
from tests.conftest import CUSTOMER
from tests.script import SCRIPT
from tests.standin import BULK, EVENT, SHOW_EVENTS, Reply, StandIn
from tests.test_send import EVENT_KEY, MAYA, UUID4_RE, faster, run

IDENTIFY = {
    "group_id": "4410",
    "customer_id": "C-100482",
    "email": "maya@example.com",
    "event": "identify",  # last, as RudderStack builds it: the order is kept
}
MOBILE = {
    "customer_id": "C-100482",
    "event": "identify",
    "device_type": "Android",
    "device_id": "3f034872-5e28-45a1-9eda-ce22a3e36d1a",
    "device_idfa": "3f034872-5e28-45a1-9eda-ce22a3e36d1a",
    "os_name": "Android",
    "ip": "14.5.67.21",
    "latitude": "37.7672319",  # a string, and it stays one
    "longitude": "-122.4021353",
    "event_uuid": "34abcd-efghijkj-1234kf",  # RudderStack's message id: not a UUID
    "cookie": "1234abcd-efghijkj-1234kfjadslk-34iu123",
}
VIEW = {
    "event": "view",
    "device_type": "android",
    "device_id": "7e32188a4dab669f",
    "cookie": "1234abcd-efghijkj-1234kfjadslk-34iu123",
    "order_id": "T1230",
    "value": 15.98,
    "revenue": 16.98,
    "shipping": 3,
    "paid": True,
    "coupon": None,
    "products": [
        {"product_id": "jam", "sku": "sku-1", "price": 10, "quantity": 2, "value": 6.0},
    ],
}
BODIES = [IDENTIFY, MOBILE, VIEW]


@pytest.fixture
def server(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    return standin


def typed(value: Any) -> Any:
    """A JSON value with its types and key order made visible to `==`: 1, 1.0, True and
    "1" differ, and so do two objects with their keys in another order."""
    if isinstance(value, dict):
        return ["{}", *[(key, typed(item)) for key, item in value.items()]]
    if isinstance(value, list):
        return ["[]", *[typed(item) for item in value]]
    return (type(value).__name__, value)


def as_given(received: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """`received` less the event_uuid the tool added (first) when `given` had none."""
    if "event_uuid" in given:
        return received
    first, *rest = received.items()
    assert first[0] == "event_uuid"
    return dict(rest)


def write(path: Path, *bodies: Any, form: str = "json") -> str:
    if form == "ndjson":
        path.write_text("".join(json.dumps(body) + "\n" for body in bodies))
    else:
        path.write_text(json.dumps(bodies[0] if len(bodies) == 1 else list(bodies), indent=2))
    return str(path)


def received(server: StandIn) -> list[dict[str, Any]]:
    """Every event the stand-in was sent, in order, single or in bulk calls."""
    events: list[dict[str, Any]] = []
    for request in server.requests:
        if request.path == EVENT:
            events.append(json.loads(request.body))
        elif request.path == BULK:
            events += json.loads(request.body)["events"]
    return events


# One body, as given -----------------------------------------------------------------


@pytest.mark.parametrize("body", BODIES, ids=["identify", "mobile", "view"])
def test_a_logged_body_is_sent_exactly_as_given(
    server: StandIn, tmp_path: Path, body: dict[str, Any]
) -> None:
    done = run("send", "--data", write(tmp_path / "body.json", body))
    assert done.returncode == 0, done.stderr
    (sent,) = received(server)
    uuid = sent["event_uuid"]
    assert done.stdout == f"{uuid}\n"
    # Same keys in the same order, same values of the same JSON types; nothing added but
    # an event_uuid when the body had none, and stderr says which was used.
    assert typed(as_given(sent, body)) == typed(body)
    if "event_uuid" in body:
        assert uuid == body["event_uuid"]
        assert "(new)" not in done.stderr
    else:
        assert UUID4_RE.fullmatch(uuid)
        assert f"event_uuid {uuid} (new)\n" in done.stderr
    (request,) = server.requests
    assert request.auth_user == EVENT_KEY


@pytest.mark.parametrize("form", ["array", "ndjson", "ndjson-stdin"])
def test_many_bodies_are_sent_in_order_each_id_on_its_own_line(
    server: StandIn, tmp_path: Path, form: str
) -> None:
    path = write(tmp_path / "bodies", *BODIES, form="json" if form == "array" else "ndjson")
    if form == "ndjson-stdin":
        done = run("send", "--data", "-", stdin=Path(path).read_text())
    else:
        done = run("send", "--data", path)
    assert done.returncode == 0, done.stderr
    sent = received(server)
    assert [r.path for r in server.requests] == [EVENT] * 3
    assert done.stdout.splitlines() == [event["event_uuid"] for event in sent]
    assert sent[1]["event_uuid"] == "34abcd-efghijkj-1234kf"
    for event, body in zip(sent, BODIES, strict=True):
        assert typed(as_given(event, body)) == typed(body)
    where = "index" if form == "array" else "line"
    first = 0 if form == "array" else 1
    for number, event in enumerate(sent):
        assert f"sending {where} {first + number}: " in done.stderr
        assert f"event_uuid {event['event_uuid']}" in done.stderr
    assert done.stderr.endswith("sent 3 events, each accepted\n")


def test_json_gives_each_id_with_its_status_and_its_line(server: StandIn, tmp_path: Path) -> None:
    path = tmp_path / "log.ndjson"
    path.write_text(f"{json.dumps(IDENTIFY)}\n\n{json.dumps(MOBILE)}\r\n")
    done = run("send", "--data", str(path), "--json")
    assert done.returncode == 0, done.stderr
    sent = received(server)
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"event_uuid": sent[0]["event_uuid"], "index": 0, "line": 1, "status": 200},
        {"event_uuid": "34abcd-efghijkj-1234kf", "index": 1, "line": 3, "status": 200},
    ]


def test_bulk_sends_batches_of_30_reporting_each(server: StandIn, tmp_path: Path) -> None:
    bodies = [MOBILE] + [{**VIEW, "order_id": f"T-{n}"} for n in range(34)]
    done = run("send", "--data", write(tmp_path / "b.ndjson", *bodies, form="ndjson"), "--bulk")
    assert done.returncode == 0, done.stderr
    assert [r.path for r in server.requests] == [BULK, BULK]
    calls = [json.loads(r.body) for r in server.requests]
    assert [list(call) for call in calls] == [["events"], ["events"]]
    assert [len(call["events"]) for call in calls] == [30, 5]
    assert {r.auth_user for r in server.requests} == {EVENT_KEY}
    sent = received(server)
    for event, body in zip(sent, bodies, strict=True):
        assert typed(as_given(event, body)) == typed(body)
    assert done.stdout.splitlines() == [event["event_uuid"] for event in sent]
    # Every id of a batch is on stderr before the batch goes out; then its answer.
    lines = done.stderr.splitlines()
    assert lines[0] == "sending batch 1 of 2: 30 events"
    assert lines[1] == (
        "  line 1: identify for customer_id C-100482, device_id "
        "3f034872-5e28-45a1-9eda-ce22a3e36d1a, cookie 1234abcd-efghijkj-1234kfjadslk-34iu123 "
        "· event_uuid 34abcd-efghijkj-1234kf"
    )
    assert lines[31] == "batch 1 of 2 accepted · 200"
    assert lines[32] == "sending batch 2 of 2: 5 events"
    assert lines[-1] == "batch 2 of 2 accepted · 200"
    assert all(f"event_uuid {event['event_uuid']}" in done.stderr for event in sent)
    as_json = run("send", "--data", str(tmp_path / "b.ndjson"), "--bulk", "--json", "-q")
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["index"], r["line"], r["batch"], r["status"]) for r in records[29:31]] == [
        (29, 30, 1, 200),
        (30, 31, 2, 200),
    ]
    assert as_json.stderr == ""


def test_a_refused_batch_stops_the_rest_and_the_ids_sent_stay_printed(
    server: StandIn, tmp_path: Path
) -> None:
    bodies = [{**VIEW, "order_id": f"T-{n}"} for n in range(35)]
    server.reply(Reply(200, {"status": "ok"}), Reply(422, {"message": "Validation failed"}))
    done = run("send", "--data", write(tmp_path / "b.json", *bodies), "--bulk", "--json")
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["status"] for r in records] == [200] * 30 + [422] * 5
    assert done.stderr.splitlines()[-2] == (
        "error: Blueshift refused the request (422 Validation failed) · sending batch 2 of 2; "
        "30 of 35 sent before it"
    )


# Flags and bodies ---------------------------------------------------------------------


def test_flags_that_agree_are_fine_and_fill_in_what_a_body_lacks(
    server: StandIn, tmp_path: Path
) -> None:
    path = write(tmp_path / "identify.json", IDENTIFY)
    done = run(
        "send", "identify", "--customer-id", "C-100482", "--email", "Maya@Example.com",
        "--data", path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    mobile = write(tmp_path / "mobile.json", MOBILE)
    done = run("send", "--data", mobile, "--event-uuid", "34abcd-efghijkj-1234kf")
    assert done.returncode == 0, done.stderr
    params = write(tmp_path / "params.json", {"plan": "pro", "seats": 3})
    done = run("send", "signed_up", "--cookie", "ck-1", "--data", params)
    assert done.returncode == 0, done.stderr
    first, second, third = received(server)
    assert typed(as_given(first, IDENTIFY)) == typed(IDENTIFY)  # the body's email, as given
    assert typed(second) == typed(MOBILE)
    # What the flags add comes first; a body of parameters gets no timestamp of ours.
    assert list(third) == ["event", "cookie", "event_uuid", "plan", "seats"]
    assert (third["event"], third["cookie"], third["seats"]) == ("signed_up", "ck-1", 3)


@pytest.mark.parametrize(
    ("body", "flags", "message"),
    [
        (IDENTIFY, ["view"], 'EVENT "view" disagrees with the body\'s event "identify"'),
        (
            IDENTIFY,
            ["--email", "ana@example.com"],
            '--email "ana@example.com" disagrees with the body\'s email "maya@example.com"',
        ),
        (
            IDENTIFY,
            ["--customer-id", "C-1"],
            '--customer-id "C-1" disagrees with the body\'s customer_id "C-100482"',
        ),
        (
            MOBILE,
            ["--event-uuid", "34ABCD-efghijkj-1234kf-2"],
            '--event-uuid "34ABCD-efghijkj-1234kf-2" disagrees with the body\'s event_uuid '
            '"34abcd-efghijkj-1234kf"',
        ),
        (
            MOBILE,
            ["--event-uuid", "34ABCD-efghijkj-1234kf"],
            '--event-uuid "34ABCD-efghijkj-1234kf" disagrees with the body\'s event_uuid '
            '"34abcd-efghijkj-1234kf"',
        ),
        (
            MOBILE,
            ["--cookie", "other"],
            '--cookie "other" disagrees with the body\'s cookie '
            '"1234abcd-efghijkj-1234kfjadslk-34iu123"',
        ),
        (MOBILE, ["-p", "event_uuid=x"], "the parameters set 'event_uuid'"),
    ],
)
def test_a_flag_that_disagrees_with_the_body_is_refused_naming_both(
    server: StandIn, tmp_path: Path, body: dict[str, Any], flags: list[str], message: str
) -> None:
    path = write(tmp_path / "body.json", body)
    done = run("send", *flags, "--data", path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: --data {path}: {message}"), done.stderr
    assert server.requests == []


def test_p_adds_and_replaces_and_says_so(server: StandIn, tmp_path: Path) -> None:
    path = write(tmp_path / "view.json", VIEW)
    done = run("send", "--data", path, "-p", "revenue:=20", "-p", "note=replayed")
    assert done.returncode == 0, done.stderr
    (sent,) = received(server)
    expected = {**VIEW, "revenue": 20, "note": "replayed"}  # replaced in place, added last
    assert typed(as_given(sent, VIEW)) == typed(expected)
    assert "-p revenue replaces the body's value\n" in done.stderr
    assert "-p note" not in done.stderr
    many = write(tmp_path / "views.ndjson", VIEW, IDENTIFY, VIEW, form="ndjson")
    done = run("send", "--data", many, "-p", "revenue:=20")
    assert done.returncode == 0, done.stderr
    assert "-p revenue replaces the value of 2 bodies\n" in done.stderr


DEEP: Any = "x"
for _ in range(120):
    DEEP = [DEEP]


def test_force_overrides_the_naming_rule_and_only_that(server: StandIn, tmp_path: Path) -> None:
    step = {"event": "step2", "cookie": "c"}
    path = write(tmp_path / "log.ndjson", IDENTIFY, MOBILE, step, VIEW, form="ndjson")
    done = run("send", "--data", path, "--force")
    assert done.returncode == 0, done.stderr
    assert [body["event"] for body in received(server)] == ["identify", "identify", "step2", "view"]
    bad = write(tmp_path / "bad.ndjson", IDENTIFY, {"event": "step2"}, form="ndjson")
    refused = run("send", "--data", bad, "--force")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "line 2: no customer given" in refused.stderr
    assert len(received(server)) == 4  # nothing more was sent


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"event": "order.placed", "cookie": "c"}, "event name 'order.placed' has a period"),
        ({"event": "step2", "cookie": "c"}, "event name 'step2' has a digit"),
        ({"event": "sign\x1bup", "cookie": "c"}, "has a control character"),
        ({"event": 3, "cookie": "c"}, "the body's event is not text: 3"),
        ({"event": "view"}, "no customer given: the body has no customer_id, email, cookie"),
        ({"event": "view", "cookie": "  ", "email": None}, "no customer given"),
        ({"event": "view", "cookie": "c\x1b[2J"}, 'cookie "c\\u001b[2J" has a control'),
        ({"event": "view", "customer_id": ["C-1"]}, 'the body\'s customer_id is not text: ["C-1"]'),
        ({"event": "view", "cookie": "c", "event_uuid": 42}, "event_uuid is not text: 42"),
        ({"event": "view", "cookie": "c", "event_uuid": " "}, 'event_uuid " " is empty'),
        ({"event": "view", "cookie": "c", "event_uuid": "a\u202eb"}, "has a control or invisible"),
        ({"event": "view", "cookie": "c", "deep": DEEP}, "more than 100 levels deep"),
        ({"event": "view", "cookie": "c", "blob": "x" * 1_000_000}, "more than 1,000,000"),
    ],
)
def test_a_bad_body_stops_everything_before_the_first_post_naming_its_line(
    server: StandIn, tmp_path: Path, bad: dict[str, Any], message: str
) -> None:
    path = write(tmp_path / "log.ndjson", IDENTIFY, MOBILE, bad, VIEW, form="ndjson")
    done = run("send", "--data", path, "--bulk")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: --data {path} line 3: "), done.stderr
    assert message in done.stderr
    assert "\x1b" not in done.stderr
    assert "\u202e" not in done.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f'[{json.dumps(IDENTIFY)}, {{"event": "view"}}]', "index 1: no customer given"),
        (
            f"[{json.dumps(IDENTIFY)}, 3]",
            "index 1 (of 2) is a JSON number, not an event object; nothing was sent",
        ),
        (f'{json.dumps(IDENTIFY)}\n{{"event": \n', "line 2 is not valid JSON"),
        (f"{json.dumps(IDENTIFY)}\n[1]\n", "line 2 is not a JSON object"),
        ("[]", "holds no event"),
        ('[{"event": "x", "cookie": "c", "n": 1e400}]', "1e400 is beyond what a double holds"),
        (f'{json.dumps(IDENTIFY)}\n{{"n": 1e-400}}', "line 2: 1e-400 is beyond what a double"),
        ("[1", "is not valid JSON"),
        ('{"event": "view",\n "cookie": ', "is not valid JSON"),
    ],
)
def test_bad_data_is_named_by_index_or_line(
    server: StandIn, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "data.json"
    path.write_text(text)
    done = run("send", "--data", str(path))
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr.splitlines()[0]
    assert server.requests == []


def test_force_lets_a_deep_body_through_with_a_warning_naming_it(
    server: StandIn, tmp_path: Path
) -> None:
    deep = {"event": "view", "cookie": "c", "deep": DEEP}
    path = write(tmp_path / "log.ndjson", IDENTIFY, deep, form="ndjson")
    done = run("send", "--data", path, "--force")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(
        "warning: line 2: the event nests arrays and objects more than 100 levels deep"
    )
    assert received(server)[1]["deep"] == DEEP


def test_a_body_too_large_for_a_bulk_call_is_refused_before_any_is_sent(
    server: StandIn, tmp_path: Path
) -> None:
    big = {"event": "view", "cookie": "c", "event_uuid": "u-1", "blob": ""}
    compact = (",", ":")
    big["blob"] = "x" * (BULK_BYTES - 5 - len(json.dumps(big, separators=compact)))
    path = str(tmp_path / "b.ndjson")
    Path(path).write_text(f"{json.dumps(IDENTIFY)}\n{json.dumps(big, separators=compact)}\n")
    done = run("send", "--data", path, "--bulk")
    assert done.returncode == 2
    assert "the body at line 2 is 999,995 bytes: a bulk call takes at most 1,000,000 bytes" in (
        done.stderr
    )
    assert "send it without --bulk" in done.stderr
    assert server.requests == []
    assert run("send", "--data", path).returncode == 0  # alone, it fits the Event API


def test_event_uuid_names_one_event_only(server: StandIn, tmp_path: Path) -> None:
    path = write(tmp_path / "b.json", IDENTIFY, VIEW)
    done = run("send", "--data", path, "--event-uuid", "x-1")
    assert done.returncode == 2
    assert f"--event-uuid names one event, and --data {path} holds 2" in done.stderr


def test_curl_prints_each_exact_body_or_the_bulk_body(server: StandIn, tmp_path: Path) -> None:
    path = write(tmp_path / "b.ndjson", *BODIES, form="ndjson")

    def called(command: str) -> list[str]:
        # A curl that prints its arguments: the shell quoting keeps each body whole.
        return subprocess.run(
            ["bash", "-c", 'curl() { printf "%s\\0" "$@"; }; ' + command],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\0")

    done = run("send", "--data", path, "--curl")
    assert done.returncode == 0, done.stderr
    commands = done.stdout.splitlines()
    assert len(commands) == 3
    for command, body in zip(commands, BODIES, strict=True):
        args = called(command)
        assert args[-2] == f"{server.base_url}{EVENT}"
        sent = json.loads(args[args.index("--data-raw") + 1])
        assert typed(as_given(sent, body)) == typed(body)
    done = run("send", "--data", path, "--curl", "--bulk")
    (command,) = done.stdout.splitlines()
    args = called(command)
    assert args[-2] == f"{server.base_url}{BULK}"
    events = json.loads(args[args.index("--data-raw") + 1])["events"]
    assert [typed(as_given(e, b)) for e, b in zip(events, BODIES, strict=True)] == [
        typed(b) for b in BODIES
    ]
    assert server.requests == []


# The views take a pipeline's id --------------------------------------------------------


def test_views_show_and_lint_take_a_non_uuid_event_uuid(
    server: StandIn, tmp_path: Path, cli: Any
) -> None:
    server.people["maya@example.com"] = [MAYA]  # the stand-in ties customer_id C-100482 to her
    server.customers[CUSTOMER] = []
    path = write(tmp_path / "mobile.json", MOBILE)
    assert run("send", "--data", path).returncode == 0
    table = cli("events", CUSTOMER, "--view", "table")
    assert table.exit_code == 0, table.stderr
    (row,) = [line for line in table.stdout.splitlines() if "identify" in line]
    assert row.rstrip().endswith(" 34abcd-e")
    for prefix in ("34abcd-e", "34ABCD-efghijkj-1234kf"):
        shown = cli("events", CUSTOMER, "--show", prefix, "--offline")
        assert shown.exit_code == 0, shown.stderr
        assert json.loads(shown.stdout)["event_uuid"] == "34abcd-efghijkj-1234kf"
    assert run("send", "--data", path).returncode == 0  # the same body again: a double send
    table = cli("events", CUSTOMER, "--view", "table", "--refresh")
    assert " 34abcd-e ×2" in table.stdout
    lint = cli("lint", CUSTOMER, "--offline", "--json")
    (finding,) = [f for f in json.loads(lint.stdout) if f["rule"] == "duplicate-uuid"]
    assert finding["event_uuid"] == "34abcd-efghijkj-1234kf"


# --wait for a replay -------------------------------------------------------------------

needs_faketime = pytest.mark.skipif(
    next(iter(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")), None) is None,
    reason="libfaketime is not installed",
)


@needs_faketime
def test_a_replay_waits_once_until_every_event_has_arrived(server: StandIn, tmp_path: Path) -> None:
    server.people["maya@example.com"] = [MAYA]
    server.customers[CUSTOMER] = []
    server.ingest_delay = 1.0  # real seconds: 20 s of the faster clock
    bodies = [IDENTIFY, MOBILE, {**VIEW, "customer_id": "C-100482"}]
    path = write(tmp_path / "b.ndjson", *bodies, form="ndjson")
    done = faster("send", "--data", path, "--uuid", CUSTOMER, "--wait", "60s", "--json")
    assert done.returncode == 0, done.stderr
    sent = received(server)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    ids = [event["event_uuid"] for event in sent]
    # The ids with their statuses as they were accepted, then the arrival of each.
    assert records[:3] == [
        {"event_uuid": uuid, "index": n, "line": n + 1, "status": 200} for n, uuid in enumerate(ids)
    ]
    assert [record["event_uuid"] for record in records[3:]] == ids
    for record, event in zip(records[3:], sent, strict=True):
        arrived = record["arrived"]
        assert arrived.pop("user_uuid") == CUSTOMER
        assert arrived.pop("_bsft_doc_type") == "events"
        arrived.pop("timestamp")  # the stand-in stamps an event sent without one
        assert typed(arrived) == typed({k: v for k, v in event.items() if k != "timestamp"})
    # One wait for all three: the customer's events once before the sends, then polls.
    paths = [r.path for r in server.requests]
    assert paths[:4] == [SHOW_EVENTS, EVENT, EVENT, EVENT]
    assert paths[4:].count(SHOW_EVENTS) in (1, 2)
    assert f"waiting up to 1m for 3 sent events for customer {CUSTOMER}" in done.stderr
    assert re.search(r"arrived after \d+ s · line 3, event_uuid ", done.stderr)


@needs_faketime
def test_a_replay_wait_that_ends_names_what_did_not_arrive(server: StandIn, tmp_path: Path) -> None:
    server.people["maya@example.com"] = [MAYA]
    server.customers[CUSTOMER] = []
    # The view has only a cookie: the stand-in cannot tie it to her, so it never shows.
    path = write(tmp_path / "b.ndjson", IDENTIFY, VIEW, form="ndjson")
    done = faster("send", "--data", path, "--wait", "20s", "--json", "--bulk")
    assert done.returncode == 6
    first, second = received(server)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["event_uuid"], "arrived" in r) for r in records] == [
        (first["event_uuid"], False),
        (second["event_uuid"], False),
        (first["event_uuid"], True),
    ]
    # No --uuid: the one email of the bodies says whose events to watch.
    assert done.stderr.splitlines()[-1] == (
        f"1 of 2 sent events arrived for customer {CUSTOMER} within 20s · 2 calls spent; "
        f"not arrived: line 2 (event_uuid {second['event_uuid']})"
    )


def test_a_replay_wait_with_the_budget_spent_refuses_before_sending(
    server: StandIn, tmp_path: Path, cli: Any
) -> None:
    server.customers[CUSTOMER] = []
    for _ in range(9):
        assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    path = write(tmp_path / "b.ndjson", *BODIES, form="ndjson")
    for bulk in ([], ["--bulk"]):
        done = run("send", "--data", path, "--uuid", CUSTOMER, "--wait", "20s", *bulk)
        assert (done.returncode, done.stdout) == (5, "")
        assert done.stderr.startswith("error: 1 call left this hour, kept for you")
    assert received(server) == []


def test_wait_needs_one_customer(server: StandIn, tmp_path: Path) -> None:
    ana = {**VIEW, "email": "ana@example.com"}
    path = write(tmp_path / "b.ndjson", IDENTIFY, ana, MOBILE, form="ndjson")
    done = run("send", "--data", path, "--wait", "1m")
    assert done.returncode == 2
    assert "--wait needs to know whose events to watch" in done.stderr
    assert server.requests == []


# The id is always told (issue 23, item 10) ---------------------------------------------


@needs_faketime
def test_a_quiet_wait_that_ends_without_the_event_still_gives_its_id(server: StandIn) -> None:
    server.customers[CUSTOMER] = []
    done = faster("send", "purchase", "--cookie", "ck-1", "--uuid", CUSTOMER, "--wait", "20s", "-q")
    assert done.returncode == 6
    (sent,) = received(server)
    assert done.stdout == f"{sent['event_uuid']}\n"
    assert done.stderr == ""


@needs_faketime
def test_a_first_poll_with_bad_json_exits_1_with_the_id_printed(server: StandIn, cli: Any) -> None:
    server.customers[CUSTOMER] = []
    assert cli("events", CUSTOMER).exit_code == 0  # a stored copy answers before the send
    server.customers[CUSTOMER] = b'[{"event": "purchase", '  # then every poll is broken
    done = faster("send", "purchase", "--cookie", "ck-1", "--uuid", CUSTOMER, "--wait", "20s")
    assert done.returncode == 1
    (sent,) = received(server)
    assert done.stdout == f"{sent['event_uuid']}\n"
    assert "error: " in done.stderr


@pytest.mark.parametrize("quiet", [False, True])
def test_an_interrupt_while_the_post_is_in_flight_leaves_the_id(
    server: StandIn, quiet: bool
) -> None:
    server.reply(Reply(200, {"status": "ok"}, delay=20))  # the POST arrives, no answer yet
    process = subprocess.Popen(
        [str(SCRIPT), "send", "purchase", "--cookie", "ck-1", *(["-q"] if quiet else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    assert process.stderr is not None
    if not quiet:  # the id is on screen before the POST goes out
        assert process.stderr.readline().startswith("sending purchase for cookie ck-1 · ")
    deadline = time.monotonic() + 30
    while not server.event_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    (sent,) = received(server)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == ""  # not accepted: not data
    assert (
        f"error: interrupted while sending event_uuid {sent['event_uuid']}: Blueshift may "
        "have accepted it\n"
    ) in err
    assert err.count("interrupted") == 1  # said once, with the id, not again after it
    assert "Traceback" not in err


def test_a_post_that_times_out_names_its_id(server: StandIn) -> None:
    server.reply(Reply(200, {"status": "ok"}, delay=5))
    done = run("send", "purchase", "--cookie", "ck-1", "--timeout", "1", "-q")
    assert done.returncode == 1
    (sent,) = received(server)
    assert done.stderr.splitlines()[0].endswith(f" · event_uuid {sent['event_uuid']}")


# The bodies as pure functions ------------------------------------------------------------


def new_ids() -> Any:
    count = iter(range(1000))
    return lambda: f"new-{next(count)}"


def test_read_bodies_takes_one_object_an_array_or_ndjson() -> None:
    pretty = json.dumps(IDENTIFY, indent=2).encode()
    assert read_bodies(pretty, "f") == [Read(IDENTIFY)]
    array = json.dumps([IDENTIFY, VIEW]).encode()
    assert read_bodies(array, "f") == [Read(IDENTIFY, "index 0"), Read(VIEW, "index 1")]
    lines = f"\n{json.dumps(IDENTIFY)}\n  \n{json.dumps(VIEW)}".encode()
    assert read_bodies(lines, "f") == [Read(IDENTIFY, "line 2", 2), Read(VIEW, "line 4", 4)]
    with pytest.raises(UsageProblem, match="holds no event"):
        read_bodies(b" [ ] ", "f")


def test_complete_keeps_the_body_and_adds_only_what_it_lacks() -> None:
    flags = Flags("signed_up", Identity(email="m@x.io"), params=(("seats", 3),))
    body = complete(Read({"plan": "pro", "seats": 1}), flags, new_ids())
    assert list(body.fields.items()) == [
        ("event", "signed_up"),
        ("email", "m@x.io"),
        ("event_uuid", "new-0"),
        ("plan", "pro"),
        ("seats", 3),
    ]
    assert (body.uuid_added, body.overridden) == (True, ("seats",))
    given = complete(Read(MOBILE), Flags(), new_ids())
    assert given.text == json.dumps(MOBILE, ensure_ascii=False, separators=(",", ":"))
    assert not given.uuid_added
    numeric = complete(Read({"event": "x", "customer_id": 42}), Flags(), new_ids())
    assert numeric.fields["customer_id"] == 42
    mine = complete(Read({"event": "x", "cookie": "c"}), Flags(event_uuid="mine"), new_ids())
    assert (mine.event_uuid, mine.uuid_added) == ("mine", False)
    with pytest.raises(UsageProblem, match="disagrees"):
        complete(Read({"event": "x", "customer_id": 42}), Flags(identity=Identity("43")), new_ids())


def test_a_lone_surrogate_is_sent_as_the_escape_it_came_as() -> None:
    body = finish({"event": "x", "cookie": "c", "note": "\ud800"})
    assert body.text == '{"event":"x","cookie":"c","note":"\\ud800"}'
    assert json.loads(body.text)["note"] == "\ud800"


def test_batches_hold_at_most_30_events_and_a_megabyte() -> None:
    small = [finish({"event": "x", "cookie": "c", "n": n}) for n in range(61)]
    assert [len(group) for group in batches(small)] == [BULK_EVENTS, BULK_EVENTS, 1]
    half = "x" * (BULK_BYTES // 2)
    large = [finish({"event": "x", "cookie": "c", "blob": half}) for _ in range(3)]
    groups = batches(large)
    assert [len(group) for group in groups] == [1, 1, 1]
    assert all(len(bulk_text(group).encode()) <= BULK_BYTES for group in groups)
    two = [finish({"event": "x", "cookie": "c", "blob": "x" * (BULK_BYTES // 2 - 60)})] * 2
    (pair,) = batches(two)
    text = bulk_text(pair)
    assert len(text.encode()) <= BULK_BYTES
    assert json.loads(text) == {"events": [b.fields for b in two]}


def test_a_reader_that_stops_early_stops_the_sending_and_is_told(
    server: StandIn, tmp_path: Path
) -> None:
    bodies = [{"event": "view", "cookie": f"ck-{n}", "event_uuid": f"id-{n}"} for n in range(65)]
    data = tmp_path / "many.json"
    data.write_text(json.dumps(bodies))
    # A shell: the pipe that closes early (`| head -1`) is the point.
    done = subprocess.run(  # noqa: S602
        f"{SCRIPT} send --data {data} --bulk | head -1; echo exit=${{PIPESTATUS[0]}} >&2",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, "BLUESHIFT_EVENT_API_KEY": EVENT_KEY},
        timeout=60,
        executable="/bin/bash",
    )
    assert done.stdout == "id-0\n"
    assert "standard output was closed after" in done.stderr
    assert "the rest were not sent" in done.stderr
    assert done.stderr.rstrip().endswith("exit=1")  # not taken for success
    batches = [r for r in server.requests if r.path == BULK]
    assert len(batches) < 3  # it stopped: the third batch never went out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_an_output_that_cannot_be_written_never_makes_an_accepted_event_look_failed(
    server: StandIn,
) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(SCRIPT), "send", "signed_up", "--email", "maya@example.com"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "BLUESHIFT_EVENT_API_KEY": EVENT_KEY},
            timeout=60,
            check=False,
        )
    (body,) = received(server)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-2:] == [
        f"error: Blueshift accepted event_uuid {body['event_uuid']} (1 of 1 sent) but standard "
        "output cannot be written (No space left on device)",
        "  do not send it again: look for it with bsevents events",
    ]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("34abcd-efghijkj-1234kf", "34abcd-efghijkj-1234kf", True),
        ("34ABCD-efghijkj-1234kf", "34abcd-efghijkj-1234kf", False),
        ("3766F118-D4CD-11EB-A278-0242AC110006", "3766f118-d4cd-11eb-a278-0242ac110006", True),
        ("3766f118-d4cd-11eb-a278-0242ac110006", "3766f118-d4cd-11eb-a278-0242ac110007", False),
    ],
)
def test_ids_differing_in_case_are_one_event_only_when_both_are_uuids(
    first: str, second: str, same: bool
) -> None:
    assert same_id(first, second) is same
