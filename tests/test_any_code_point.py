"""Any code point anywhere: a lone surrogate (what a `\\ud800` escape puts in a string, and
what a visitor's browser can send) in an event's values, keys or name, with any tracking
plan, in `send`'s parameters, and bytes that are not UTF-8 on the command line. None of
them is ever an internal error: plans are checked, sends go out with the same data, and
a command line that is not text is a usage error naming the option.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn

EVENT_KEY = "test-event-key-fedcba9876543210"
# High and low halves, alone, at both ends of their ranges.
LONE = ["\ud800", "\udbff", "\udc00", "\udfff", "\udcff"]
PLANS: dict[str, Any] = {
    "typed": {"purchase": {"properties": {"revenue": {"type": "number"}}}},
    "every": {"*": {"required": ["event_uuid", "missing"]}},
    "strings": {"*": {"properties": {"revenue": {"maxLength": 0, "pattern": "^x"}}}},
    "surrogate-keys": {"purchase\ud800": {"required": ["k\udc00"]}, "*": {"required": ["\ud800"]}},
    "names": {"purchase": True},
}


def _events(lone: str) -> list[dict[str, Any]]:
    return [
        make_event(
            event="purchase",
            event_uuid="11111111-2222-4333-8444-555555555555",
            revenue=lone,
            **{f"k{lone}": [lone, {lone: lone}]},
        ),
        make_event(
            event=f"purchase{lone}",
            event_uuid="21111111-2222-4333-8444-555555555555",
            timestamp="2021-06-24T04:55:00Z",
        ),
    ]


def _plan(tmp_path: Path, plan: dict[str, Any]) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), "ascii")  # the surrogates as escapes, as a file holds them
    return str(path)


@pytest.mark.parametrize("lone", LONE)
@pytest.mark.parametrize("plan", sorted(PLANS))
def test_a_lone_surrogate_with_any_plan_in_every_command_that_takes_one(
    standin: StandIn, cli: Any, tmp_path: Path, lone: str, plan: str
) -> None:
    standin.customers[CUSTOMER] = _events(lone)
    path = _plan(tmp_path, PLANS[plan])
    linted = cli("lint", CUSTOMER, "--plan", path)
    # Every plan but "names" (which any purchase passes) finds an error: exit 6.
    assert linted.exit_code == (0 if plan == "names" else 6), linted.output
    findings = json.loads(linted.stdout)
    assert all("internal error" not in f["message"] for f in findings)
    if plan == "typed":
        (typed,) = [f for f in findings if f["rule"] == "plan" and f["severity"] == "error"]
        assert typed["message"] == (
            f'"{lone}" is not of type "number" (plan: properties.revenue.type)'
        )
        assert "\\u" in linted.stdout  # written as the escape, never raw
    for view in ("table", "timeline"):
        shown = cli("events", CUSTOMER, "--plan", path, "--view", view, "--color", "never")
        assert shown.exit_code == 0, (view, shown.output)
        assert f"\\u{ord(lone):04x}" in shown.stdout
    one = cli("events", CUSTOMER, "--plan", path, "--show", "11111111")
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["revenue"] == lone
    assert len(standin.show_events_requests()) == 1  # the rest came from the stored copy


@pytest.mark.parametrize("lone", LONE)
def test_a_plan_inferred_from_surrogates_reads_back_and_finds_nothing(
    cli: Any, tmp_path: Path, lone: str
) -> None:
    source = tmp_path / "events.json"
    source.write_text(json.dumps(_events(lone)), "ascii")
    inferred = cli("lint", "-f", str(source), "--infer")
    assert inferred.exit_code == 0, inferred.output
    plan = json.loads(inferred.stdout)
    assert set(plan) == {"purchase", f"purchase{lone}"}
    assert f"k{lone}" in plan["purchase"]["required"]
    (tmp_path / "inferred.json").write_text(inferred.stdout, "utf-8")
    linted = cli("lint", "-f", str(source), "--plan", str(tmp_path / "inferred.json"))
    assert linted.exit_code == 0, linted.output
    # The plan finds nothing; the one finding is the name rule's warning about the name
    # that holds a lone surrogate (never sent on purpose by any integration).
    assert [(f["rule"], f["event"]) for f in json.loads(linted.stdout)] == [
        ("event-name", f"purchase{lone}")
    ]


def test_an_event_named_star_round_trips_through_infer(cli: Any, tmp_path: Path) -> None:
    events = [
        make_event(event="*", event_uuid="11111111-2222-4333-8444-555555555555", x=1),
        make_event(event="\\*", event_uuid="21111111-2222-4333-8444-555555555555", y="a"),
        make_event(event="view", event_uuid="31111111-2222-4333-8444-555555555555"),
    ]
    source = tmp_path / "events.json"
    source.write_text(json.dumps(events), "utf-8")
    inferred = cli("lint", "-f", str(source), "--infer")
    assert inferred.exit_code == 0, inferred.output
    plan = json.loads(inferred.stdout)
    assert sorted(plan) == ["\\*", "\\\\*", "view"]  # escaped: "*" means every event
    assert "x" in plan["\\*"]["required"]
    assert "y" in plan["\\\\*"]["required"]
    (tmp_path / "plan.json").write_text(inferred.stdout, "utf-8")
    linted = cli("lint", "-f", str(source), "--plan", str(tmp_path / "plan.json"), "--strict")
    assert (linted.exit_code, linted.stdout) == (0, "[]\n"), linted.output
    # The escaped key names that event only: a `view` lacking x is no error of it.
    (tmp_path / "only.json").write_text(json.dumps({"\\*": {"required": ["x"]}}), "utf-8")
    only = cli("lint", "-f", str(source), "--plan", str(tmp_path / "only.json"))
    assert [f["event"] for f in json.loads(only.stdout)] == ["\\*", "view"]
    assert {f["message"].split(":")[0] for f in json.loads(only.stdout)} == {"unplanned event"}


# --- send --------------------------------------------------------------------------


@pytest.fixture
def server(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    return standin


def _sent(server: StandIn) -> dict[str, Any]:
    (request,) = server.event_requests()
    body: dict[str, Any] = json.loads(request.body)
    return body


@pytest.mark.parametrize("lone", LONE)
def test_send_takes_a_lone_surrogate_in_a_parameter_and_in_data(
    server: StandIn, cli: Any, tmp_path: Path, lone: str
) -> None:
    escaped = f"\\u{ord(lone):04x}"
    data = tmp_path / "data.json"
    data.write_text(f'{{"d{escaped}": "{escaped}"}}', "ascii")
    args = ["send", "x", "--customer-id", "1", "-p", f'v:="{escaped}"', "--data", str(data)]
    sent = cli(*args)
    assert sent.exit_code == 0, sent.output
    body = _sent(server)
    assert (body["v"], body[f"d{lone}"]) == (lone, lone)
    assert escaped.encode() in server.event_requests()[0].body  # the escape, valid UTF-8
    curl = cli(*args, "--curl")
    assert curl.exit_code == 0, curl.output
    assert escaped in curl.stdout
    assert len(server.event_requests()) == 1


# --- the command line --------------------------------------------------------------


def _run(*args: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "BLUESHIFT_EVENT_API_KEY": EVENT_KEY}
    return subprocess.run([bytes(SCRIPT), *args], capture_output=True, env=env, timeout=60)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([b"send", b"x", b"--customer-id", b"1", b"-p", b"x=\xff"], "--param"),
        ([b"send", b"x", b"--customer-id", b"1", b"-px=\xc3("], "--param"),
        ([b"send", b"x", b"--customer-id", b"1", b"--param=x=\xed\xa0\x80"], "--param"),
        ([b"send", b"x", b"--customer-id", b"\xfe", b"--curl"], "--customer-id"),
        ([b"send", b"x\x80", b"--customer-id", b"1"], "EVENT"),
        ([b"events", b"\xff" + CUSTOMER.encode()], "CUSTOMER"),
        ([b"events", CUSTOMER.encode(), b"--grep", b"caf\xe9"], "--grep"),
        ([b"events", CUSTOMER.encode(), b"-t", b"\xff"], "--type"),
        ([b"events", CUSTOMER.encode(), b"-qt", b"\xff"], "--type"),  # grouped short flags
        ([b"send", b"x", b"--customer-id", b"1", b"-qp", b"x=\xff"], "--param"),
        ([b"send", b"x", b"--customer-id", b"1", b"-qpx=\xff"], "--param"),
        ([b"events", b"-q", b"\xff" + CUSTOMER.encode()], "CUSTOMER"),
        ([b"lint", CUSTOMER.encode(), b"--plan", b"/tmp/\xff.json"], "--plan"),
        ([b"config", b"set", b"region", b"\xff"], "VALUE"),
        ([b"--debug", b"quota", b"--profile", b"\xff"], "--profile"),
    ],
)
def test_bytes_that_are_not_utf8_are_a_usage_error_naming_the_option(
    server: StandIn, args: list[bytes], named: str
) -> None:
    done = _run(*args)
    assert done.returncode == 2, done.stderr
    assert done.stdout == b""
    lines = done.stderr.decode("utf-8").splitlines()
    assert lines[0].startswith(f"error: {named}: b'")
    assert lines[0].endswith("' is not UTF-8 text")
    assert "Traceback" not in done.stderr.decode()
    assert server.requests == []
