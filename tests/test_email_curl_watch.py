"""--email lookup, --curl and --watch, against the stand-in server."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bsevents import __version__
from bsevents.app.context import Clock
from bsevents.app.watch import watch
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.recorder import Recorder, context
from tests.script import SCRIPT
from tests.standin import SEARCH, Reply, StandIn

OTHER = "0f3c2a9e-7d41-4b8e-9a55-3e1f6c8d2b70"
MAYA = {
    "uuid": CUSTOMER,
    "email": "maya@example.com",
    "customer_id": "C-100482",
    "firstname": "Maya",
    "lastname": "Lindqvist",
}
MAYA_OLD = {
    "uuid": OTHER,
    "email": "maya@example.com",
    "customer_id": None,
    "firstname": None,
    "lastname": None,
}


def test_email_resolves_then_fetches(standin: StandIn, cli: Any) -> None:
    standin.people["maya@example.com"] = [MAYA]
    standin.customers[CUSTOMER] = [make_event()]
    result = cli("events", "--email", "Maya@Example.com")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [make_event()]
    search, events = standin.requests
    assert (search.path, search.query) == (SEARCH, {"email": ["Maya@Example.com"]})
    assert search.auth_user == API_KEY
    assert events.query == {"uuid": [CUSTOMER]}
    assert (
        f"Maya@Example.com is customer {CUSTOMER} (Maya Lindqvist, customer_id C-100482)"
        in result.stderr
    )
    report = json.loads(cli("quota", "--json").stdout)
    assert report["used"] == 1  # the search is recorded but not counted


def test_several_matches_are_listed(standin: StandIn, cli: Any) -> None:
    standin.people["maya@example.com"] = [MAYA, MAYA_OLD]
    standin.customers[CUSTOMER] = []
    result = cli("events", "--email", "maya@example.com")
    assert result.exit_code == 0
    assert "1 other customer matches this email:" in result.stderr
    assert f"  {OTHER}\n" in result.stderr


def test_no_match_exits_4_without_an_events_call(standin: StandIn, cli: Any) -> None:
    result = cli("events", "--email", "nobody@example.com")
    assert result.exit_code == 4
    assert "no Blueshift customer has the email nobody@example.com" in result.stderr
    assert [r.path for r in standin.requests] == [SEARCH]


def test_search_404_is_also_no_match(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(404, {"message": "Customer not found"}))
    result = cli("events", "--email", "nobody@example.com")
    assert result.exit_code == 4
    assert len(standin.requests) == 1


@pytest.mark.parametrize("address", ["maya", "maya@", "@example.com", "a b@example.com", ""])
def test_malformed_email_exits_2_and_sends_nothing(
    standin: StandIn, cli: Any, address: str
) -> None:
    result = cli("events", "--email", address)
    assert result.exit_code == 2
    assert "is not an email address" in result.stderr
    assert standin.requests == []


def test_email_mapping_is_stored_for_offline_and_completion(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    standin.people["maya@example.com"] = [MAYA]
    standin.customers[CUSTOMER] = [make_event()]
    cli("events", "--email", "maya@example.com")
    offline = cli("events", "--email", "maya@example.com", "--offline")
    assert offline.exit_code == 0
    assert f"is customer {CUSTOMER} (stored lookup, no call made)" in offline.stderr
    assert len(standin.requests) == 2
    index = json.loads((isolated / ".cache/bsevents/index.json").read_text())
    assert index["customers"][0]["email"] == "maya@example.com"


def test_curl_prints_the_request_and_sends_nothing(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    result = cli("events", CUSTOMER, "--curl")
    assert result.exit_code == 0
    assert result.stdout == (
        "curl -sS --fail-with-body -u \"$BLUESHIFT_API_KEY:\" -H 'Accept: application/json' "
        f"-H 'User-Agent: bsevents/{__version__}' "
        f"'{standin.base_url}/api/v1/customer_search/show_events?uuid={CUSTOMER}'\n"
    )
    assert API_KEY not in result.stdout + result.stderr
    assert standin.requests == []
    assert not (isolated / ".local/state/bsevents/ledger.sqlite3").exists()


def test_curl_for_the_eu_region_without_a_key(cli: Any) -> None:
    result = cli("events", CUSTOMER, "--curl", "--region", "eu")
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith(
        f"'https://api.eu.getblueshift.com/api/v1/customer_search/show_events?uuid={CUSTOMER}'"
    )


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None,
    reason="curl and jq are needed to run the printed commands",
)
def test_printed_curl_commands_really_work(standin: StandIn, cli: Any) -> None:
    standin.people["maya@example.com"] = [MAYA]
    standin.customers[CUSTOMER] = [make_event(event="purchase")]
    for args in ([CUSTOMER], ["--email", "maya@example.com"]):
        printed = cli("events", *args, "--curl").stdout
        done = subprocess.run(
            ["bash", "-c", printed],
            capture_output=True,
            text=True,
            env={**os.environ, "BLUESHIFT_API_KEY": API_KEY},
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)[0]["event"] == "purchase"


def test_explicit_watch_interval_that_hits_the_cap_is_refused(standin: StandIn, cli: Any) -> None:
    result = cli("events", CUSTOMER, "--watch", "2m")
    assert result.exit_code == 2
    assert (
        "--watch 2m would poll 30 times an hour, but the cap is 10 calls an hour and one is "
        "kept for you (9 for the watch)" in result.stderr
    )
    assert "use --watch 6m40s or longer" in result.stderr
    assert standin.requests == []


def test_watch_prints_new_events_and_stops_at_the_budget(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [make_event(event_uuid="e-0")]
    printed: list[list[str]] = []
    notes: list[str] = []
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        n = len(sleeps)
        if n in (2, 5):  # an event arrives before the 2nd and the 5th poll
            standin.customers[CUSTOMER].append(
                make_event(event_uuid=f"e-{n}", event=f"arrived_{n}")
            )

    recorder = Recorder()
    reason = watch(
        context(recorder, clock=Clock(sleep=fake_sleep)),
        CUSTOMER,
        None,
        timeout=5,
        on_new=lambda events: printed.append([e["event"] for e in events]),
    )
    notes = recorder.notes + recorder.warnings
    assert printed == [["arrived_2"], ["arrived_5"]]
    assert reason == "stopped: 1 call left this hour, kept for you"
    assert len(standin.show_events_requests()) == 9  # 1 baseline + 8 polls, 1 kept
    # 9 usable calls spread over the hour; no sleep after the last poll.
    assert sleeps == [400.0] * 8
    assert notes[0] == (
        # Counted after the baseline: exactly the 8 polls that then went out.
        f"watching {CUSTOMER} every 6m40s · 8 polls left this hour · "
        "1 event so far · Ctrl-C to stop"
    )


def test_watch_with_no_budget_left_does_not_start(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = []
    for _ in range(9):
        cli("events", CUSTOMER, "--refresh")
    result = cli("events", CUSTOMER, "--watch")
    assert result.exit_code == 0
    assert "not watching: 1 call left this hour, kept for you" in result.stderr
    assert len(standin.show_events_requests()) == 9


def test_watch_stops_cleanly_on_ctrl_c(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    proc = subprocess.Popen(
        [str(SCRIPT), "events", CUSTOMER, "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
        # A child inherits an ignored SIGINT (pytest run in the background, or by a CI
        # runner that ignores it), and Python then never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while not standin.show_events_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out == ""
    assert re.search(r"watching .* every 6m40s", err)
    assert err.rstrip().endswith("stopped")
    assert "Traceback" not in err


def test_looked_up_email_survives_later_fetches_and_event_emails_are_not_lookups(
    standin: StandIn, cli: Any
) -> None:
    standin.people["maya@example.com"] = [MAYA]
    standin.customers[CUSTOMER] = [make_event(email="someone-else@example.com")]
    assert cli("events", "--email", "maya@example.com").exit_code == 0
    assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    kept = cli("events", "--email", "maya@example.com", "--offline")
    assert kept.exit_code == 0, kept.stderr
    never = cli("events", "--email", "someone-else@example.com", "--offline")
    assert never.exit_code == 1
    assert "no stored lookup for someone-else@example.com" in never.stderr


def test_a_search_answer_that_is_not_a_uuid_spends_no_events_call(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    standin.people["p@example.com"] = [{"uuid": "../../../../../../tmp/pwned"}]
    result = cli("events", "--email", "p@example.com")
    assert result.exit_code == 1
    assert "Search customer answered with a customer id that is not a UUID" in result.stderr
    assert [r.path for r in standin.requests] == [SEARCH]
    assert not list(isolated.rglob("pwned*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--demo", "--curl"], "--curl is about calls to Blueshift; --demo makes none"),
        (["--demo", "--watch"], "--watch is about calls to Blueshift; --demo makes none"),
        (["--demo", "--offline"], "--offline is about calls to Blueshift; --demo makes none"),
        (["--demo", "--new"], "--new is about calls to Blueshift; --demo makes none"),
        ([CUSTOMER, "--curl", "--offline"], "--curl and --offline do not go together"),
        ([CUSTOMER, "--watch", "--offline"], "--watch and --offline do not go together"),
        ([CUSTOMER, "--watch", "--show", "x"], "--watch and --show do not go together"),
        ([CUSTOMER, "--watch", "--view", "csv"], "--watch and --view csv do not go together"),
        ([CUSTOMER, "--watch", "--force"], "--watch and --force do not go together"),
        ([CUSTOMER, "--watch", "--limit", "5"], "--watch and --limit do not go together"),
        ([CUSTOMER, "--watch", "--all"], "--watch and --all do not go together"),
        ([CUSTOMER, "--watch", "--fields", "event"], "--watch and --fields do not go together"),
        ([CUSTOMER, "--type", ""], "--type"),
        (["--email", "maya@example.com", "--watch", "1m"], "--watch 1m would poll 60 times"),
    ],
)
def test_contradictions_are_refused_before_anything_is_spent(
    standin: StandIn, cli: Any, args: list[str], message: str
) -> None:
    standin.people["maya@example.com"] = [MAYA]
    result = cli("events", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert standin.requests == []


def test_watch_applies_the_filters_and_survives_a_failed_poll(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [make_event(event_uuid="e-0")]
    printed: list[list[str]] = []
    warnings: list[str] = []
    polls = 0

    def fake_sleep(seconds: float) -> None:
        nonlocal polls
        polls += 1
        if polls == 1:
            standin.customers[CUSTOMER] += [
                make_event(event_uuid="e-1", event="pageload"),
                make_event(event_uuid="e-2", event="purchase"),
            ]
        if polls == 2:
            standin.reply(Reply(500, {"message": "boom"}))
        if polls == 3:
            standin.customers[CUSTOMER].append(make_event(event_uuid="e-3", event="purchase"))

    recorder = Recorder(warnings=warnings)
    reason = watch(
        context(recorder, clock=Clock(sleep=fake_sleep)),
        CUSTOMER,
        None,
        timeout=5,
        on_new=lambda events: printed.append([e["event_uuid"] for e in events]),
        keep=lambda event: event.get("event") == "purchase",
    )
    assert printed == [["e-2"], ["e-3"]]
    assert any("500 boom" in w and "polling again in 6m40s" in w for w in warnings)
    assert reason == "stopped: 1 call left this hour, kept for you"
