"""Lint marks in the `events` views: a `!` column in the table and timeline, findings
after `--show`, and `--plan` checked before anything is spent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import CUSTOMER, make_event
from tests.standin import StandIn


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value), "utf-8")
    return str(path)


def events() -> list[dict[str, Any]]:
    return [
        make_event(
            event="view",
            event_uuid="aaaaaaaa-0000-4000-8000-000000000001",
            timestamp="2026-11-20T10:00:00Z",
            sku="A1",
        ),
        make_event(
            event="view",
            event_uuid="bbbbbbbb-0000-4000-8000-000000000002",
            timestamp="2026-11-20T10:05:00Z",
            sku="undefined",
        ),
        make_event(
            event="purchase",
            event_uuid="cccccccc-0000-4000-8000-000000000003",
            timestamp="2026-11-20T10:10:00Z",
            revenue="9.50",
        ),
    ]


PLAN = {"purchase": {"properties": {"revenue": {"type": "number"}}}, "view": {}}


def test_table_marks_the_events_with_findings(tmp_path: Path, cli: Any) -> None:
    result = cli("events", "-f", write(tmp_path, "e.json", events()), "--view", "table", "--utc")
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "2026-11-20" in line]
    assert [row[:1] for row in rows] == [" ", "!", " "]
    assert result.stdout.splitlines()[-1] == (
        "! lint finding: bsevents lint lists them, --show ID one event's"
    )


def test_plan_marks_more_and_timeline_too(tmp_path: Path, cli: Any) -> None:
    plan = write(tmp_path, "plan.json", PLAN)
    path = write(tmp_path, "e.json", events())
    for view in ("table", "timeline"):
        result = cli("events", "-f", path, "--view", view, "--utc", "--plan", plan)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        rows = [
            line
            for line in lines
            if " view " in line or line.endswith(("view", "purchase")) or " purchase " in line
        ]
        assert [row[:1] for row in rows] == [" ", "!", "!"], view


def test_clean_events_get_no_column(cli: Any) -> None:
    result = cli("events", "--demo", "--view", "table", "--all")
    assert "!" not in result.stdout
    assert "lint finding" not in result.stdout


def test_show_lists_the_findings_on_stderr(tmp_path: Path, cli: Any) -> None:
    plan = write(tmp_path, "plan.json", PLAN)
    path = write(tmp_path, "e.json", events())
    result = cli("events", "-f", path, "--show", "cccccccc", "--plan", plan)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["revenue"] == "9.50"
    assert result.stderr == (
        'warning: lint plan (error) at revenue: "9.50" is not of type "number" '
        "(plan: properties.revenue.type)\n"
    )
    clean = cli("events", "-f", path, "--show", "aaaaaaaa")
    assert clean.stderr == ""


def test_show_of_one_id_on_several_events_says_each_finding_once(tmp_path: Path, cli: Any) -> None:
    # Two copies of a purchase (a double send) and a signup given the same id.
    purchase = make_event(event="purchase", event_uuid="dup-1", timestamp="2026-11-20T10:03:00Z")
    signup = make_event(event="signup", event_uuid="dup-1", timestamp="2026-11-20T10:03:30Z")
    path = write(tmp_path, "e.json", [purchase, purchase, signup])
    plan = write(tmp_path, "plan.json", {"purchase": {"required": ["products"]}})
    result = cli("events", "-f", path, "--show", "dup-1", "--plan", plan)
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3
    assert result.stderr.splitlines() == [
        "warning: 3 events share this event_uuid; showing them all, oldest first",
        "warning: lint duplicate-uuid (error) at event_uuid: this event_uuid is here 3 times, "
        'on 2 different events: "purchase" ×2, "signup" (×N: a double send); '
        "expected one event_uuid per event",
        'warning: the "purchase" event (1 and 2 of 3): lint plan (error): '
        '"products" is a required property (plan: required)',
        'warning: the "signup" event (3 of 3): lint plan (warning): unplanned event: '
        'the plan has no "signup"; expected one of its names',
    ]


def test_plan_with_a_machine_view_is_ignored_with_a_warning(tmp_path: Path, cli: Any) -> None:
    plan = write(tmp_path, "plan.json", PLAN)
    result = cli("events", "-f", write(tmp_path, "e.json", events()), "--json", "--plan", plan)
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 3
    assert result.stderr == (
        "warning: --plan marks the table and timeline, and --show; ignored for json\n"
    )


def test_bad_plan_exits_2_before_a_call(tmp_path: Path, standin: StandIn, cli: Any) -> None:
    plan = write(tmp_path, "plan.json", {"view": {"type": 5}})
    result = cli("events", CUSTOMER, "--plan", plan)
    assert result.exit_code == 2
    assert result.stderr.startswith(f'error: --plan: {plan}: the schema of "view" is not a valid')
    assert standin.requests == []


# The marks ask the rules about the rows on screen only (issue 21) ----------------------


def test_marks_make_no_finding_and_agree_with_lint(monkeypatch: Any) -> None:
    import random

    from bsevents.model.events import sort_events
    from bsevents.query import lint as lint_module
    from bsevents.query.lint import Batch, flagged, lint
    from bsevents.views.marks import marks_for

    rng = random.Random(20)
    names, values = ["view", "purchase", "step2"], [1, 2.5, "1", None, "undefined", [1], {"x": 1}]
    events = sort_events(
        make_event(
            event=rng.choice(names),
            event_uuid=f"u{rng.randrange(400)}",
            timestamp=f"2026-11-20T10:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
            timestamp_epoch=rng.choice([None, 1795169000, "soon"]),
            price=rng.choice(values),
        )
        for _ in range(500)
    )
    batch = Batch.of(events, 1_795_000_000.0)
    everything = range(len(events))
    assert flagged(batch, everything) == {f.index for f in lint(batch)}
    assert flagged(batch, set(range(100, 200))) == {
        f.index for f in lint(batch) if 100 <= f.index < 200
    }

    # The marks judge at the real time (a `future` finding depends on it): so does this.
    import time

    expected = {f.index for f in lint(Batch.of(events, time.time())) if f.index >= 300}
    assert expected  # the last 200 rows do have findings to mark

    def no_finding(*args: Any) -> Any:
        raise AssertionError("the marks made a finding")

    monkeypatch.setattr(lint_module, "finding", no_finding)
    marks = marks_for(events, events[-200:], None)
    assert marks.flagged is not None
    assert {i for i, e in enumerate(events) if marks.flagged(e)} == expected
