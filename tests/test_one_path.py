"""One path from question to answer: what users see of the shared pipeline, each through
the CLI (and the console script where a run's whole life matters): keys looked up once,
both keys held to the same rules, a dashboard URL's region deciding everything, shared
options under the same headings, no lock that hangs, lint asking a stale copy again."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bsevents.state.paths import cache_dir, config_dir
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import SHOW_EVENTS, StandIn

EVENT_KEY = "test-event-key-fedcba9876543210"
EU_URL = f"https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
FAKETIME = next(iter(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")), None)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env if env is not None else os.environ.copy(),
        timeout=120,
        check=False,
    )


def store_in_file(cli: Any, *flags: str, key: str) -> None:
    stored = cli("config", "set-key", "--stdin", "--insecure-storage", *flags, input=key)
    assert stored.exit_code == 0, stored.stderr


def plain_text_warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "kept in plain text" in line]


# -- each key is looked up once a run --------------------------------------------------------


@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed")
def test_send_wait_says_each_plain_text_key_once(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    store_in_file(cli, key=API_KEY)
    store_in_file(cli, "--event", key=EVENT_KEY)
    standin.customers[CUSTOMER] = []
    env = {**os.environ, "LD_PRELOAD": str(FAKETIME), "FAKETIME": "+0 x20"}
    done = run(
        "send",
        "signed_up",
        "--cookie",
        "c",
        "--uuid",
        CUSTOMER,
        "--wait",
        "20s",
        "--timeout",
        "600",
        env=env,
    )
    assert done.returncode == 6, done.stderr  # it never arrives: the cookie is not the customer
    assert len(standin.show_events_requests()) == 3  # before the send, then 2 polls
    assert plain_text_warnings(done.stderr) == [
        f"warning: using the API key for profile 'default' kept in plain text in "
        f"{config_dir() / 'credentials.toml'}",
        f"warning: using the Event API key for profile 'default' kept in plain text in "
        f"{config_dir() / 'credentials.toml'}",
    ]


def test_watch_email_and_a_stale_miss_say_the_plain_text_key_once(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    store_in_file(cli, key=API_KEY)
    standin.customers[CUSTOMER] = [make_event()]
    standin.people["maya@example.com"] = [{"uuid": CUSTOMER, "email": "maya@example.com"}]
    for args in (
        ("events", "--email", "maya@example.com"),
        ("events", CUSTOMER, "--watch"),
        ("events", CUSTOMER, "-t", "signup_test"),  # a miss in the copy just stored
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.stderr)
        assert len(plain_text_warnings(done.stderr)) == 1, (args, done.stderr)


def test_a_key_file_others_can_read_warns_for_the_event_key_too(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    store_in_file(cli, "--event", key=EVENT_KEY)
    path = config_dir() / "credentials.toml"
    path.chmod(0o644)
    done = cli("send", "signed_up", "--cookie", "c")
    assert done.exit_code == 0, done.stderr
    assert f"warning: {path} can be read by other users: run chmod 600 {path}" in (
        done.stderr.splitlines()
    )


# -- a dashboard URL's region decides everything ------------------------------------------


def invoke(*args: str, transport: Any = None) -> Any:
    """The CLI in-process, its requests going through `transport` (an httpx transport)."""
    from typer.testing import CliRunner

    from bsevents.cli.app import app
    from bsevents.cli.runtime import Runtime

    runtime = Runtime(transport=transport)
    return CliRunner().invoke(app, list(args), catch_exceptions=False, obj=runtime)


@pytest.mark.parametrize("base_url_given", [True, False])
def test_an_eu_url_selects_the_eu_ledger_copies_and_link(
    monkeypatch: pytest.MonkeyPatch, base_url_given: bool
) -> None:
    import httpx

    hosts: list[str] = []

    def blueshift(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        # An iterator, as a socket gives it: the client reads answers as they stream in.
        return httpx.Response(200, content=iter([json.dumps([make_event()]).encode()]))

    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    if base_url_given:
        monkeypatch.setenv("BSEVENTS_BASE_URL", "https://standin.example")
    transport = httpx.MockTransport(blueshift)
    done = invoke("events", EU_URL, "--view", "table", transport=transport)
    assert done.exit_code == 0, done.stderr
    assert hosts == ["standin.example" if base_url_given else "api.eu.getblueshift.com"]
    assert done.stderr.splitlines()[0].startswith(
        "the URL is from the eu dashboard (app.eu.getblueshift.com): "
    )
    assert done.stderr.splitlines()[0].endswith(", not region us of profile 'default'")
    assert f"dashboard https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}" in (
        done.stdout
    )
    quota_eu = json.loads(invoke("quota", "--region", "eu", "--json").stdout)
    quota_us = json.loads(invoke("quota", "--json").stdout)
    assert (quota_eu["used"], quota_us["used"]) == (1, 0)
    stores = [p.name for p in (cache_dir() / "responses").iterdir()]
    assert len(stores) == 1
    assert stores[0].startswith("eu-")
    # The copy is the EU one: --region eu finds it, with no call.
    again = invoke("events", CUSTOMER, "--region", "eu", transport=transport)
    assert again.exit_code == 0
    assert len(hosts) == 1


# -- shared options, one heading each ------------------------------------------------------


def _headings(help_text: str) -> dict[str, str]:
    """{option: the heading it is listed under} of a command's --help."""
    found: dict[str, str] = {}
    heading = ""
    for line in help_text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            heading = line[:-1]
        match = re.match(r"\s+(?:-\w, )?(--[\w-]+)", line)
        if match and heading not in ("Examples", "Environment"):
            found[match[1]] = heading
    return found


def test_lint_lists_the_options_it_shares_with_events_under_the_same_headings(cli: Any) -> None:
    events = _headings(cli("events", "--help").stdout)
    lint = _headings(cli("lint", "--help").stdout)
    shared = set(events) & set(lint) - {"--help", "--plan", "--json"}
    assert len(shared) >= 20
    assert {option: lint[option] for option in shared} == {
        option: events[option] for option in shared
    }


# -- no lock hangs ----------------------------------------------------------------------------


def test_a_held_index_lock_costs_a_bounded_wait_and_the_paid_answer_is_shown(
    standin: StandIn,
) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    lock = cache_dir() / "index.json.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another bsevents, stuck
        done = run("events", CUSTOMER, "--refresh", "--json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 1  # the paid answer
    assert done.stderr.splitlines() == [
        f"warning: the completion index was not updated: another bsevents has been changing "
        f"{cache_dir() / 'index.json'} for 5 s; gave up waiting"
    ]


# -- lint asks a stale copy again, as events does ----------------------------------------


def test_lint_asks_a_stale_copy_again_when_a_type_is_missing(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [make_event(event="pageload")]
    assert cli("events", CUSTOMER).exit_code == 0
    standin.customers[CUSTOMER].append(
        make_event(event="signup_test", event_uuid="00000000-0000-4000-8000-0000000000c0")
    )
    assert cli("config", "set", "refresh-on-miss", "0").exit_code == 0
    done = cli("lint", CUSTOMER, "-t", "signup_test", "--json")
    assert done.exit_code == 0, done.stderr
    assert [r.path for r in standin.requests].count(SHOW_EVENTS) == 2
    assert done.stderr.splitlines()[0] == (
        "'signup_test' is not in the copy fetched just now; asking Blueshift (call 2 of 10)"
    )
    assert done.stderr.splitlines()[-1] == "0 errors, 0 warnings in 1 event"
