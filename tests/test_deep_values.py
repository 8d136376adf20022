"""Deep values: one event nested hundreds of levels deep (one visitor's payload) never costs
the whole answer. The response is read, that event is shown with the part below 100
levels summarised, and the others are shown as they are; only JSON deeper than the
parser can follow at all is refused, in one line. `send` refuses (or with --force warns
about) a body that `events` would have to summarise, before sending it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bsevents.model.json_text import MAX_DEPTH, TOO_DEEP, cut_deep, deeper_than
from tests.conftest import CUSTOMER, make_event
from tests.standin import StandIn

DEEP_UUID = "dddddddd-2222-4333-8444-555555555555"
PLAIN_UUID = "11111111-2222-4333-8444-555555555555"


def nested(depth: int, shape: str) -> str:
    """JSON text of a value `depth` levels deep: arrays, objects, or both in turn, with
    text at the bottom. (Text: the stand-in and the test hold it without recursing.)"""
    text = '"bottom"'
    for level in range(depth):
        if shape == "arrays" or (shape == "mixed" and level % 2):
            text = f"[{text}]"
        else:
            text = f'{{"k": {text}}}'
    return text


EVENTS = [
    make_event(event="pageload", event_uuid=PLAIN_UUID, timestamp="2021-06-24T04:50:00Z"),
    make_event(event="custom", event_uuid=DEEP_UUID, payload="@PAYLOAD@"),
    make_event(event="view", event_uuid="21111111-2222-4333-8444-555555555555", sku="A"),
]


def response(depth: int, shape: str) -> bytes:
    return json.dumps(EVENTS).replace('"@PAYLOAD@"', nested(depth, shape)).encode()


def _summarised_at_max_depth(event: dict[str, Any]) -> None:
    value: Any = event["payload"]
    for _ in range(MAX_DEPTH - 1):  # the event is level 1, its payload level 2
        value = value[0] if isinstance(value, list) else value["k"]
    assert value == TOO_DEEP


@pytest.mark.parametrize("shape", ["arrays", "objects", "mixed"])
@pytest.mark.parametrize("depth", [MAX_DEPTH, 150, 500, 900, 990])
def test_one_deep_event_is_summarised_and_the_others_are_shown(
    standin: StandIn, cli: Any, depth: int, shape: str
) -> None:
    standin.customers[CUSTOMER] = response(depth, shape)
    result = cli("events", CUSTOMER, "--json")
    assert result.exit_code == 0, result.stderr
    shown = {event["event_uuid"]: event for event in json.loads(result.stdout)}
    assert shown[PLAIN_UUID] == EVENTS[0]
    assert shown["21111111-2222-4333-8444-555555555555"] == EVENTS[2]
    _summarised_at_max_depth(shown[DEEP_UUID])
    assert not deeper_than(shown[DEEP_UUID], MAX_DEPTH)
    # Every other way of looking at it reads the stored copy: no call, no error.
    for view in (["--view", "table"], ["--view", "timeline"], ["--view", "csv"], ["-g", "zz"]):
        again = cli("events", CUSTOMER, *view, "--color", "never")
        assert again.exit_code == 0, (view, again.stderr)
    table = cli("events", CUSTOMER, "--view", "table", "--color", "never").stdout
    marked = [line.split()[3] for line in table.splitlines() if line.startswith("!  20")]
    assert marked == ["custom"]  # the deep one, by the deep-value rule
    one = cli("events", CUSTOMER, "--show", DEEP_UUID[:8])
    assert one.exit_code == 0, one.stderr
    _summarised_at_max_depth(json.loads(one.stdout))
    assert "warning: lint deep-value (warning) at payload." in one.stderr
    assert [c["status"] for c in json.loads(cli("quota", "--json").stdout)["calls"]] == ["200"]


def test_a_value_of_exactly_max_depth_levels_is_shown_whole(standin: StandIn, cli: Any) -> None:
    body = response(MAX_DEPTH - 1, "mixed")  # with the event itself: 100 levels
    standin.customers[CUSTOMER] = body
    result = cli("events", CUSTOMER, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[1] == json.loads(body)[1]
    linted = cli("lint", CUSTOMER)
    assert linted.exit_code == 0
    assert "deep-value" not in linted.stdout


def test_lint_names_the_deep_value_and_the_stored_copy_reads_the_same(
    standin: StandIn, cli: Any, tmp_path: Path
) -> None:
    standin.customers[CUSTOMER] = response(700, "arrays")
    live = cli("lint", CUSTOMER)
    offline = cli("lint", CUSTOMER, "--offline")
    saved = tmp_path / "saved.json"
    saved.write_bytes(response(700, "arrays"))
    from_file = cli("lint", "-f", str(saved))
    for result in (live, offline, from_file):
        assert result.exit_code == 0, result.stderr
        (found,) = json.loads(result.stdout)
        assert (found["rule"], found["event_uuid"]) == ("deep-value", DEEP_UUID)
        assert found["path"] == "payload" + ".0" * (MAX_DEPTH - 1)
    assert len(standin.show_events_requests()) == 1


def test_cut_deep_marks_what_it_cut() -> None:
    value = json.loads(nested(MAX_DEPTH + 5, "mixed"))
    cut = cut_deep(value)
    assert not deeper_than(cut, MAX_DEPTH)
    assert deeper_than(value, MAX_DEPTH)
    assert not deeper_than(json.loads(nested(MAX_DEPTH, "mixed")), MAX_DEPTH)


# --- send -------------------------------------------------------------------------

EVENT_KEY = "test-event-key-fedcba9876543210"
MAYA = {"uuid": CUSTOMER, "email": "maya@example.com", "customer_id": "C-1"}


@pytest.fixture
def server(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    standin.people["maya@example.com"] = [MAYA]
    standin.customers[CUSTOMER] = [make_event(event="identify")]
    return standin


def _data(tmp_path: Path, depth: int) -> str:
    path = tmp_path / "data.json"
    # With the body itself, `depth` levels.
    path.write_text(f'{{"blob": {nested(depth - 1, "arrays")}}}', "utf-8")
    return str(path)


@pytest.mark.parametrize("curl", [False, True])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 400, 900])
def test_send_refuses_a_body_events_would_summarise(
    server: StandIn, cli: Any, tmp_path: Path, depth: int, curl: bool
) -> None:
    data = _data(tmp_path, depth)
    args = ["send", "x", "--email", "maya@example.com", "--data", data]
    result = cli(*args, *(["--curl"] if curl else []))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: --data {data}: the event nests arrays and objects more than {MAX_DEPTH} levels "
        f"deep: `bsevents events` would show its deepest part as {TOO_DEEP}",
        "  nest the data less deeply, or --force to send it anyway",
    ]
    assert server.requests == []


def test_send_force_warns_sends_and_events_still_shows_the_customer(
    server: StandIn, cli: Any, tmp_path: Path
) -> None:
    data = _data(tmp_path, 900)
    sent = cli("send", "x", "--email", "maya@example.com", "--data", data, "--force")
    assert sent.exit_code == 0, sent.output
    assert sent.stderr.startswith(
        f"warning: the event nests arrays and objects more than {MAX_DEPTH} levels deep"
    )
    (request,) = server.event_requests()
    assert b'"blob":' + nested(899, "arrays").encode() in request.body  # sent whole
    shown = cli("events", CUSTOMER, "--json")
    assert shown.exit_code == 0, shown.stderr
    names = [event["event"] for event in json.loads(shown.stdout)]
    assert names == ["identify", "x"]


@pytest.mark.parametrize("depth", [MAX_DEPTH, 50])
def test_send_takes_a_body_events_shows_whole(
    server: StandIn, cli: Any, tmp_path: Path, depth: int
) -> None:
    sent = cli("send", "x", "--email", "maya@example.com", "--data", _data(tmp_path, depth))
    assert sent.exit_code == 0, sent.output
    assert "warning" not in sent.stderr
    assert len(server.event_requests()) == 1


def test_send_refuses_even_with_force_a_body_events_could_not_read(
    server: StandIn, cli: Any, tmp_path: Path
) -> None:
    data = _data(tmp_path, 1000)
    result = cli("send", "x", "--email", "maya@example.com", "--data", data, "--force")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"error: --data {data}: the event nests arrays and objects more than 999 levels deep: "
        "show_events answers holding it could not be read"
    )
    assert server.requests == []
