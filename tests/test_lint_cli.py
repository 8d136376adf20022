"""`bsevents lint`: plans, --infer, --strict, exit codes, sources and filters, hostile data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUSTOMER, make_event
from tests.hostile import MARKUP, RICH_SGR_RE, assert_safe, hostile_events
from tests.ptyrun import SCRIPT, run_on_pty
from tests.standin import StandIn


def saved(tmp_path: Path, events: list[dict[str, Any]], name: str = "events.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(events), "utf-8")
    return str(path)


def purchases() -> list[dict[str, Any]]:
    return [
        make_event(
            event="purchase",
            event_uuid="00000000-0000-4000-8000-000000000001",
            timestamp="2026-11-20T10:00:00Z",
            revenue=12.5,
            products=[{"sku": "A1"}, {"sku": 7}],
        ),
        make_event(
            event="purchase",
            event_uuid="00000000-0000-4000-8000-000000000002",
            timestamp="2026-11-20T11:00:00Z",
            revenue=3,
            products=[{"sku": "B2"}],
        ),
        make_event(
            event="pageload",
            event_uuid="00000000-0000-4000-8000-000000000003",
            timestamp="2026-11-20T09:00:00Z",
        ),
    ]


PLAN = {
    "purchase": {
        "type": "object",
        "properties": {
            "revenue": {"type": "number", "minimum": 5},
            "products": {"type": "array", "items": {"properties": {"sku": {"type": "string"}}}},
        },
        "required": ["revenue", "currency"],
    }
}


def test_plan_violations_are_errors_with_paths(tmp_path: Path, cli: Any) -> None:
    plan = saved(tmp_path, PLAN, "plan.json")  # type: ignore[arg-type]
    result = cli("lint", "-f", saved(tmp_path, purchases()), "--plan", plan)
    assert result.exit_code == 6
    found = [
        (f["rule"], f["severity"], f["event_uuid"][-1], f["path"])
        for f in json.loads(result.stdout)
    ]
    assert found == [
        ("plan", "error", "1", ""),
        ("plan", "error", "1", "products.1.sku"),
        ("plan", "error", "2", ""),
        ("plan", "error", "2", "revenue"),
        ("plan", "warning", "3", ""),
    ]
    messages = [f["message"] for f in json.loads(result.stdout)]
    assert messages[0] == '"currency" is a required property (plan: required)'
    assert (
        messages[1]
        == '7 is not of type "string" (plan: properties.products.items.properties.sku.type)'
    )
    assert messages[3] == "3 is less than the minimum of 5 (plan: properties.revenue.minimum)"
    assert messages[4] == 'unplanned event: the plan has no "pageload"; expected one of its names'
    assert result.stderr.splitlines()[-1] == "4 errors, 1 warning in 3 events"


def test_star_applies_to_every_event_and_plans_all_names(tmp_path: Path, cli: Any) -> None:
    plan = saved(tmp_path, {"*": {"required": ["event_uuid", "cookie"]}}, "plan.json")  # type: ignore[arg-type]
    result = cli("lint", "-f", saved(tmp_path, purchases()), "--plan", plan)
    assert result.exit_code == 6
    found = json.loads(result.stdout)
    assert {(f["rule"], f["severity"], f["path"]) for f in found} == {("plan", "error", "")}
    assert len(found) == 3
    assert found[0]["message"] == '"cookie" is a required property (plan: required)'


def test_infer_of_one_event_says_so_in_the_singular(tmp_path: Path, cli: Any) -> None:
    inferred = cli("lint", "-f", saved(tmp_path, purchases()[:1]), "--infer")
    assert inferred.exit_code == 0, inferred.stderr
    assert inferred.stderr == "a plan for 1 event name from 1 event\n"


def test_infer_round_trip_finds_no_plan_errors(tmp_path: Path, cli: Any) -> None:
    events = saved(tmp_path, purchases())
    inferred = cli("lint", "-f", events, "--infer")
    assert inferred.exit_code == 0, inferred.stderr
    plan = json.loads(inferred.stdout)
    assert sorted(plan) == ["pageload", "purchase"]
    purchase = plan["purchase"]
    assert purchase["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert purchase["properties"]["revenue"] == {"type": "number"}
    assert purchase["properties"]["session_uuid"] == {"type": "null"}
    assert "revenue" in purchase["required"]
    assert inferred.stderr == "a plan for 2 event names from 3 events\n"
    path = tmp_path / "inferred.json"
    path.write_text(inferred.stdout, "utf-8")
    result = cli("lint", "-f", events, "--plan", str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    # A key one purchase lacks is not required, and a new type for a key is an error.
    changed = [*purchases(), make_event(event="purchase", revenue="12", event_uuid="x-4")]
    drifted = cli("lint", "-f", saved(tmp_path, changed), "--plan", str(path))
    paths = [(f["rule"], f["path"]) for f in json.loads(drifted.stdout) if f["rule"] == "plan"]
    assert paths == [("plan", ""), ("plan", "revenue")]  # products missing, revenue a string


def test_strict_fails_on_warnings(tmp_path: Path, cli: Any) -> None:
    events = saved(tmp_path, [make_event(event="page view", timestamp="2026-11-20T10:00:00Z")])
    assert cli("lint", "-f", events).exit_code == 0
    strict = cli("lint", "-f", events, "--strict")
    assert strict.exit_code == 6
    assert strict.stderr.splitlines()[-1] == "0 errors, 1 warning in 1 event"


def test_demo_is_clean(cli: Any) -> None:
    result = cli("lint", "--demo", "--strict")
    assert (result.exit_code, result.stdout) == (0, "[]\n")
    assert result.stderr == "0 errors, 0 warnings in 35 events\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"purchase": {',
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1 "
            "column 15",
        ),
        ("[1]", "holds a JSON array, not an object"),
        ('{"purchase": 3}', 'the schema of "purchase" is a JSON number, not a schema'),
        (
            '{"purchase": {"properties": {"revenue": {"type": "money"}}}}',
            'the schema of "purchase" is not a valid schema at properties.revenue.type: "money" '
            "is not valid under any of the schemas listed in the 'anyOf' keyword",
        ),
        (
            '{"purchase": {"$ref": "https://example.com/s.json"}}',
            'the schema of "purchase" cannot be used',
        ),
    ],
)
def test_bad_plan_is_a_usage_error_before_any_call(
    tmp_path: Path, standin: StandIn, cli: Any, content: str, message: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content, "utf-8")
    result = cli("lint", CUSTOMER, "--plan", str(plan))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: --plan: {plan}")
    assert message in result.stderr.splitlines()[0]
    assert standin.requests == []


def test_missing_plan_file(tmp_path: Path, cli: Any) -> None:
    result = cli("lint", "--demo", "--plan", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --plan: cannot read {tmp_path / 'nope.json'}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--demo", "--offline"],
            "error: --offline is about calls to Blueshift; --demo makes none",
        ),
        (["--demo", "--infer", "--strict"], "error: --infer writes a plan; it checks nothing"),
        (["--demo", CUSTOMER], "error: --demo takes no customer"),
        (["--demo", "--since", "tomorrow"], "error: --since: 'tomorrow' is not a date"),
    ],
)
def test_usage_errors(cli: Any, args: list[str], message: str) -> None:
    result = cli("lint", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_live_lint_uses_the_cache_and_the_filters(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [
        *purchases(),
        make_event(
            event="view", timestamp="never", event_uuid="00000000-0000-4000-8000-00000000000f"
        ),
    ]
    first = cli("lint", CUSTOMER)
    assert first.exit_code == 6
    assert [f["rule"] for f in json.loads(first.stdout)] == ["bad-time"]
    second = cli("lint", CUSTOMER, "--type", "purchase")
    assert second.exit_code == 0
    assert json.loads(second.stdout) == []
    assert second.stderr.splitlines()[-1] == "0 errors, 0 warnings in 2 events"
    assert len(standin.show_events_requests()) == 1  # the second one read the stored copy
    offline = cli("lint", CUSTOMER, "--offline", "--json")
    assert offline.exit_code == 6
    assert len(standin.show_events_requests()) == 1


def test_not_found_is_exit_4(standin: StandIn, cli: Any) -> None:
    result = cli("lint", CUSTOMER)
    assert result.exit_code == 4
    assert result.stdout == ""


def _hostile_file(tmp_path: Path) -> str:
    events = hostile_events()
    events.append(
        {
            "event": "x\ud800 " + MARKUP,
            "event_uuid": "deadbeef-0000-4000-8000-00000000000\ud800",
            "timestamp": "2026-11-24T19:06:00Z",
            "k\ud800" + MARKUP: ["undefined"],
        }
    )
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(events), "utf-8")  # ASCII: the surrogates as \ud800
    return str(path)


def test_hostile_findings_stay_inert_on_a_terminal(tmp_path: Path) -> None:
    done = run_on_pty("lint", "-f", _hostile_file(tmp_path), "--color", "always", columns=100)
    assert done.returncode == 6, done.output[-2000:]
    assert "Traceback" not in done.output
    assert_safe(done.output)
    plain = RICH_SGR_RE.sub("", done.output)
    assert "red]alarm[/bold red]" in plain  # markup in a message shown as typed, not applied
    assert "\\ud800" in done.output  # the lone surrogate, shown as its escape
    assert "placeholder-value" in done.output
    assert "bad-time" in done.output


def test_hostile_findings_stay_inert_in_json(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "lint", "-f", _hostile_file(tmp_path)], capture_output=True, timeout=60
    )
    assert done.returncode == 6, done.stderr
    out = done.stdout.decode("utf-8")
    assert_safe(out)
    found = json.loads(out)
    assert {"event-name", "bad-time", "placeholder-value"} <= {f["rule"] for f in found}
    surrogate = next(f for f in found if f["rule"] == "placeholder-value" and "\ud800" in f["path"])
    assert surrogate["path"] == "k\ud800" + MARKUP + ".0"


def _imported(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bsevents", "lint", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]


def test_lint_into_a_pipe_imports_neither_rich_nor_the_validator(tmp_path: Path) -> None:
    plain = _imported("--demo", "--json")
    assert "bsevents.query.lint" in plain  # the measurement works
    assert not [name for name in plain if name.split(".")[0] in ("rich", "jsonschema_rs")]
    plan = saved(tmp_path, {"*": {}}, "plan.json")  # type: ignore[arg-type]
    assert "jsonschema_rs" in _imported("--demo", "--json", "--plan", plan)


def test_email_and_dashboard_url_find_the_customer(standin: StandIn, cli: Any) -> None:
    standin.people["maya@example.com"] = [{"uuid": CUSTOMER, "email": "maya@example.com"}]
    standin.customers[CUSTOMER] = purchases()
    by_email = cli("lint", "--email", "maya@example.com", "--refresh")
    assert by_email.exit_code == 0, by_email.stderr
    url = f"https://app.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
    by_url = cli("lint", url, "--refresh")
    assert by_url.exit_code == 0, by_url.stderr
    searches = [r for r in standin.requests if r.path == "/api/v1/customers"]
    assert [r.query for r in searches] == [{"email": ["maya@example.com"]}]
    assert [r.query for r in standin.show_events_requests()] == [{"uuid": [CUSTOMER]}] * 2


def test_where_chooses_the_events_lint_reads(tmp_path: Path, cli: Any) -> None:
    path = saved(tmp_path, purchases())
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN), "utf-8")
    every = json.loads(cli("lint", "-f", path, "--plan", str(plan), "--json").stdout)
    cheap = cli("lint", "-f", path, "--plan", str(plan), "--json", "--where", "revenue<5")
    assert cheap.exit_code == 6
    assert {f["event_uuid"] for f in every} > {f["event_uuid"] for f in json.loads(cheap.stdout)}
    assert {f["event_uuid"] for f in json.loads(cheap.stdout)} == {
        "00000000-0000-4000-8000-000000000002"
    }
    bad = cli("lint", "-f", path, "--where", "revenue>>")
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert "error: --where 'revenue>>'" in bad.stderr
