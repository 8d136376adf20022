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
    assert result.stdout.splitlines()[-1] == "! lint finding (bsevents lint)"


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
