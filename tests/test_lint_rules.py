"""Each built-in lint rule, through the installed console script against the stand-in:
it fires on a crafted response and stays quiet on a clean one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bsevents.query.lint import RULES
from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=60
    )


def clean_events() -> list[dict[str, Any]]:
    """A journey no rule objects to."""
    return [
        make_event(
            event="pageload",
            event_uuid="00000000-0000-4000-8000-000000000001",
            timestamp="2026-11-20T10:00:00Z",
            _bsft_ts="2026-11-20T10:00:02Z",
        ),
        make_event(
            event="add_to_cart",
            event_uuid="00000000-0000-4000-8000-000000000002",
            timestamp="2026-11-20T10:01:00Z",
            sku="A1",
            price=12.5,
        ),
        make_event(
            event="add_to_cart",
            event_uuid="00000000-0000-4000-8000-000000000003",
            timestamp="2026-11-20T10:01:01Z",
            sku="B2",
            price=3,
        ),
        make_event(
            event="purchase",
            event_uuid="00000000-0000-4000-8000-000000000004",
            timestamp="2026-11-20T10:05:00Z",
            revenue=15.5,
            coupon=None,
            products=[{"sku": "A1"}, {"sku": "B2"}],
        ),
        make_event(
            event="purchase",
            event_uuid="00000000-0000-4000-8000-000000000005",
            timestamp="2026-11-21T10:05:00Z",
            revenue=7,
            coupon="WINTER",
            products=[{"sku": "C3"}],
        ),
    ]


def crafted(rule: str) -> list[dict[str, Any]]:
    """The clean journey plus what makes `rule` fire, once."""
    events = clean_events()
    extra = {
        "duplicate-uuid": dict(events[1]),
        "near-duplicate": {
            **events[1],
            "event_uuid": "00000000-0000-4000-8000-0000000000aa",
            "timestamp": "2026-11-20T10:01:01.500Z",
        },
        "type-drift": make_event(
            event="purchase",
            event_uuid="00000000-0000-4000-8000-0000000000bb",
            timestamp="2026-11-22T10:05:00Z",
            revenue="31.24",
            coupon=None,
            products=[],
        ),
        "placeholder-value": make_event(
            event="view",
            event_uuid="00000000-0000-4000-8000-0000000000cc",
            timestamp="2026-11-20T10:00:30Z",
            products=[{"sku": "[object Object]"}],
        ),
        "bad-time": make_event(
            event="view", event_uuid="00000000-0000-4000-8000-0000000000dd", timestamp="soon"
        ),
        "deep-value": make_event(
            event="view",
            event_uuid="00000000-0000-4000-8000-000000000101",
            timestamp="2026-11-20T10:00:40Z",
            blob=json.loads("[" * 120 + "]" * 120),
        ),
        "future-time": make_event(
            event="view",
            event_uuid="00000000-0000-4000-8000-0000000000ee",
            timestamp="2099-01-01T00:00:00Z",
        ),
        "late-arrival": make_event(
            event="view",
            event_uuid="00000000-0000-4000-8000-0000000000ff",
            timestamp="2026-11-20T09:00:00Z",
            _bsft_ts="2026-11-20T10:00:01Z",
        ),
        "event-name": make_event(
            event="Product Viewed",
            event_uuid="00000000-0000-4000-8000-000000000100",
            timestamp="2026-11-20T09:30:00Z",
        ),
    }[rule]
    return [*events, extra]


# rule -> (path of the finding, event_uuid it names)
WHERE = {
    "duplicate-uuid": ("event_uuid", "00000000-0000-4000-8000-000000000002"),
    "near-duplicate": ("", "00000000-0000-4000-8000-0000000000aa"),
    "type-drift": ("revenue", "00000000-0000-4000-8000-0000000000bb"),
    "placeholder-value": ("products.0.sku", "00000000-0000-4000-8000-0000000000cc"),
    "bad-time": ("timestamp", "00000000-0000-4000-8000-0000000000dd"),
    "deep-value": ("blob" + ".0" * 99, "00000000-0000-4000-8000-000000000101"),
    "future-time": ("timestamp", "00000000-0000-4000-8000-0000000000ee"),
    "late-arrival": ("_bsft_ts", "00000000-0000-4000-8000-0000000000ff"),
    "event-name": ("event", "00000000-0000-4000-8000-000000000100"),
}


def test_every_rule_has_a_test_and_a_readme_line() -> None:
    assert {r.id for r in RULES} == set(WHERE)
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.severity} | {rule.why} |" in readme


def test_clean_response_has_no_findings(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = clean_events()
    done = run("lint", CUSTOMER)
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
    assert done.stderr == "0 errors, 0 warnings in 5 events\n"
    assert [r.query for r in standin.show_events_requests()] == [{"uuid": [CUSTOMER]}]


@pytest.mark.parametrize("rule", sorted(WHERE))
def test_rule_fires_once(standin: StandIn, rule: str) -> None:
    standin.customers[CUSTOMER] = crafted(rule)
    done = run("lint", CUSTOMER)
    severity = next(r.severity for r in RULES if r.id == rule)
    assert done.returncode == (6 if severity == "error" else 0), done.stderr
    findings = json.loads(done.stdout)
    assert [(f["rule"], f["severity"]) for f in findings] == [(rule, severity)]
    path, uuid = WHERE[rule]
    assert (findings[0]["path"], findings[0]["event_uuid"]) == (path, uuid)
    assert set(findings[0]) == {
        "rule",
        "severity",
        "event_uuid",
        "event",
        "timestamp",
        "path",
        "message",
    }
    errors, warnings = (1, 0) if severity == "error" else (0, 1)
    count = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' * (warnings != 1)}"
    last = done.stderr.splitlines()[-1]
    events = len(standin.customers[CUSTOMER])
    if severity == "error":
        assert last == f"{count} in {events} events"
    else:
        assert last == f"{count} in {events} events"
    assert len(standin.show_events_requests()) == 1
