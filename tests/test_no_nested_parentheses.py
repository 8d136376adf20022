"""No message nests parentheses: `(next call free at 00:17 (in 60 min))` reads badly.

A broad set of commands, failures and states (every HTTP error the stand-in can script,
the budget spent and held, a broken settings file, no keyring, bad options, files and
plans) runs with inputs and server texts that hold no parenthesis, so any nesting on
stderr is bsevents' own wording.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bsevents.app.demo import demo_events
from tests.conftest import CUSTOMER
from tests.standin import DOCUMENTED_BODIES, Reply, StandIn

Run = Callable[..., Any]
UNKNOWN = "0badbeef-0000-4000-8000-000000000000"
EVENT_KEY = "test-event-key-fedcba9876543210"


def depth(line: str) -> int:
    """How deep the parentheses of `line` go (0: none)."""
    deepest = level = 0
    for char in line:
        if char == "(":
            level += 1
            deepest = max(deepest, level)
        elif char == ")":
            level = max(0, level - 1)
    return deepest


def test_depth_counts_nesting_not_pairs() -> None:
    assert depth("free at 00:17 (in 60 min) (forced)") == 1
    assert depth("free at 00:17 (next (in 60 min))") == 2


def errors_and_statuses(cli: Run, standin: StandIn, tmp_path: Path) -> list[Any]:
    runs = []
    for status, body in DOCUMENTED_BODIES.items():
        standin.reply(Reply(status, body))
        runs.append(cli("events", CUSTOMER, "--force", "--retries", "0"))
    standin.reply(Reply(503, DOCUMENTED_BODIES[503]), Reply(503, DOCUMENTED_BODIES[503]))
    runs.append(cli("events", CUSTOMER, "--force", "--retries", "1"))
    standin.reply(Reply(429, DOCUMENTED_BODIES[429], {"Retry-After": "120"}))
    runs.append(cli("events", CUSTOMER, "--refresh"))
    runs.append(cli("events", CUSTOMER, "--refresh"))  # held
    runs.append(cli("quota"))
    standin.reply(Reply(302, b"", {"Location": "https://example.com/elsewhere"}))
    runs.append(cli("events", CUSTOMER, "--force"))
    for reply in (Reply(200, b"[{]"), Reply(200, b'{"a": 1}'), Reply(200, b"", drop=True)):
        standin.reply(reply)
        runs.append(cli("events", CUSTOMER, "--force", "--retries", "0"))
    return runs


def the_budget(cli: Run, standin: StandIn, tmp_path: Path) -> list[Any]:
    standin.customers[CUSTOMER] = demo_events()
    runs = [cli("events", CUSTOMER, "--refresh", "--view", "ndjson") for _ in range(10)]
    runs.append(cli("events", CUSTOMER, "--refresh"))  # at the cap
    runs.append(cli("events", CUSTOMER, "-t", "no_such_event"))  # a miss, no call left
    standin.reply(*[Reply(502, DOCUMENTED_BODIES[502])] * 3)
    runs.append(cli("events", CUSTOMER, "--force"))  # past the cap: not retrying
    runs.append(cli("events", CUSTOMER, "--force"))
    runs.append(cli("quota"))
    runs.append(cli("quota", "--json"))
    runs.append(cli("events", CUSTOMER, "--watch", "2m"))
    runs.append(cli("events", CUSTOMER, "--wait", "1m", "-t", "nothing"))
    runs.append(cli("lint", CUSTOMER, "--refresh"))
    return runs


def copies_and_lookups(cli: Run, standin: StandIn, tmp_path: Path) -> list[Any]:
    standin.customers[CUSTOMER] = demo_events()
    standin.people["maya@example.com"] = [{"uuid": CUSTOMER, "email": "maya@example.com"}]
    return [
        cli("events", UNKNOWN, "--offline"),
        cli("events", CUSTOMER),
        cli("events", CUSTOMER),  # from the stored copy
        cli("events", CUSTOMER, "-t", "purchas"),
        cli("events", CUSTOMER, "--offline", "-t", "signup_test"),
        cli("events", CUSTOMER, "--show", "0"),
        cli("events", CUSTOMER, "--show", "ffffffff"),
        cli("events", "--email", "maya@example.com", "--json"),
        cli("events", "--email", "nobody@example.com"),
        cli("events", "--email", "not-an-address"),
        cli("events", CUSTOMER, "--curl", "-t", "purchase", "--limit", "2", "--all"),
        cli("events", "--uuid", UNKNOWN, "--wait", "20s"),
    ]


def usage(cli: Run, standin: StandIn, tmp_path: Path) -> list[Any]:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("[{")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"purchase": {"type": "nonsense"}}))
    return [
        cli(*args)
        for args in (
            ["events", "--limit", "0"],
            ["events", "--vew"],
            ["events", "--since", "2026-13-01"],
            ["events", "--where", "a==1"],
            ["events", "--fields", "a..b"],
            ["events", "--timeout", "nan"],
            ["events", "--base-url", "ftp://x", CUSTOMER],
            ["events", "--region", "xx", CUSTOMER],
            ["events", "--profile", "nobody", CUSTOMER],
            ["events", "--demo", "--curl"],
            ["events", "--all", "--limit", "3", "--demo"],
            ["events", "-f", str(tmp_path / "missing.json")],
            ["events", "-f", str(tmp_path)],
            ["events", "-f", str(bad_json)],
            ["events", "--demo", "--plan", str(plan)],
            ["lint", "--demo", "--plan", str(bad_json)],
            ["events", "nonsense"],
            ["config", "set", "regoin", "eu"],
            ["config", "set", "hourly-cap", "many"],
            ["config", "set", "api-key", "x"],
            ["config", "use", "nobody"],
            ["config", "path", "nowhere"],
            ["config", "set-key", "a-key"],
            ["evnets"],
        )
    ]


def no_keyring_and_broken_settings(cli: Run, standin: StandIn, tmp_path: Path) -> list[Any]:
    runs = []
    for args in (
        ["events", CUSTOMER],
        ["config", "show"],
        ["config", "show", "--json"],
        ["config", "delete-key"],
        ["quota"],
        ["send", "x", "--cookie", "c"],
    ):
        runs.append(cli(*args, env={"BLUESHIFT_API_KEY": None}))
    runs.append(cli("config", "set-key", "--stdin", input="k"))
    settings = Path(cli("config", "path", "settings").stdout.strip())
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("not [valid toml\n")
    runs += [
        cli("events", CUSTOMER),
        cli("config", "show"),
        cli("events", "--demo", "--profile", "x"),
    ]
    settings.write_text('[profiles.default]\nhourly-cap = "x"\n')
    runs += [cli("events", CUSTOMER), cli("quota")]
    return runs


def sending_and_linting(cli: Run, standin: StandIn, tmp_path: Path) -> list[Any]:
    standin.customers[CUSTOMER] = demo_events()
    hostile = tmp_path / "events.json"
    hostile.write_text(
        json.dumps(
            [
                {"event": "a.b", "event_uuid": "1", "timestamp": "2026-13-01", "x": "undefined"},
                {"event": "a.b", "event_uuid": "1", "timestamp": "2026-13-01", "x": "undefined"},
                {"event": "late", "event_uuid": "2", "timestamp": "2099-01-01T00:00:00Z"},
            ]
        )
    )
    runs = [
        cli("send", "purchase", "--cookie", "c"),  # no Event API key
        cli("send", "order.placed", "--cookie", "c"),
        cli("send", "sign\x01up", "--cookie", "c", "--force"),
        cli("send", "x", "--cookie", "c", "-p", "seats"),
        cli("send", "x", "--cookie", "c", "-p", "x:=1e400"),
        cli("send", "x", "--cookie", "c", "--wait", "1m"),
        cli("lint", "-f", str(hostile)),
        cli("lint", "-f", str(hostile), "--json"),
        cli("events", "-f", str(hostile), "--show", "1"),
        cli("events", "-f", str(hostile), "--view", "table"),
    ]
    env = {"BLUESHIFT_EVENT_API_KEY": EVENT_KEY}
    standin.reply(Reply(400, {"errors": {"event": ["can't be blank"]}}))
    runs.append(cli("send", "x", "--cookie", "c", env=env))
    runs.append(cli("send", "x", "--cookie", "c", env={"BLUESHIFT_EVENT_API_KEY": "wrong"}))
    runs.append(cli("send", "x", "--cookie", "c", "--uuid", UNKNOWN, "--wait", "20s", env=env))
    runs.append(cli("send", "x", "--cookie", "c", "--uuid", CUSTOMER, "--wait", "20s", env=env))
    return runs


@pytest.fixture
def run(cli: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """cli(...) with `env=` changes for that run (None removes a variable)."""

    def invoke(
        *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Any:
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            return cli(*args, input=input)

    return invoke


@pytest.mark.parametrize(
    "scenario",
    [
        errors_and_statuses,
        the_budget,
        copies_and_lookups,
        usage,
        no_keyring_and_broken_settings,
        sending_and_linting,
    ],
    ids=lambda scenario: scenario.__name__,
)
def test_no_message_nests_parentheses(
    run: Run, standin: StandIn, tmp_path: Path, scenario: Callable[..., list[Any]]
) -> None:
    results = scenario(run, standin, tmp_path)
    assert any(r.exit_code != 0 for r in results)
    nested = [line for result in results for line in result.stderr.splitlines() if depth(line) > 1]
    assert nested == []
