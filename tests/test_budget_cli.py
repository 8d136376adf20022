"""The hourly budget and the store, through `bsevents events` and `bsevents quota`,
against the stand-in server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from bsevents.state.ledger.budget import account_id
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

E1 = make_event(event="identify", event_uuid="e-1", timestamp="2026-11-28T10:00:00Z")
E2 = make_event(event="pageload", event_uuid="e-2", timestamp="2026-11-28T10:01:00Z")
E3 = make_event(event="purchase", event_uuid="e-3", timestamp="2026-11-28T10:02:00Z")


def quota(cli: Any) -> dict[str, Any]:
    result = cli("quota", "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_calls_are_counted_warned_and_refused_at_the_cap(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    for n in range(1, 11):
        result = cli("events", CUSTOMER, "--refresh")
        assert result.exit_code == 0, result.stderr
        if n >= 7:
            assert re.search(
                rf"^call {n} of 10 this hour · {10 - n} left · next frees at \d\d:\d\d "
                r"\(in 60 min\)$",
                result.stderr,
                re.MULTILINE,
            ), result.stderr
        else:
            assert "this hour" not in result.stderr
    refused = cli("events", CUSTOMER, "--refresh")
    assert refused.exit_code == 5
    assert refused.stdout == ""
    assert re.search(
        r"hourly budget used: 10 of 10 show_events calls in the last 60 min; the next call "
        r"is free at \d\d:\d\d \(in 60 min\)",
        refused.stderr,
    )
    assert "--offline shows the last stored response; --force sends anyway" in refused.stderr
    assert len(standin.show_events_requests()) == 10
    forced = cli("events", CUSTOMER, "--force")
    assert forced.exit_code == 0
    assert "call 11 of 10 this hour (forced past the cap) · 0 left" in forced.stderr
    assert len(standin.show_events_requests()) == 11


def test_quota_json_shape_and_calls(standin: StandIn, cli: Any) -> None:
    empty = quota(cli)
    since = empty.pop("counting_since")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", since)
    fingerprint = account_id("us", API_KEY).split("-")[1]
    assert empty == {
        "account": {"profile": "default", "region": "us", "key_fingerprint": fingerprint},
        "counting_since_reason": "new",
        "limit": 10,
        "used": 0,
        "remaining": 10,
        "window_seconds": 3600,
        "next_slot_at": None,
        "blocked_until": None,
        "shared": False,
        "calls": [],
    }
    standin.customers[CUSTOMER] = [E1]
    cli("events", CUSTOMER)
    standin.reply(Reply(500, {"message": "Internal Server Error"}))
    assert cli("events", CUSTOMER, "--refresh").exit_code == 1
    report = quota(cli)
    assert (report["used"], report["remaining"]) == (2, 8)
    assert [(c["uuid"], c["status"], c["by"]) for c in report["calls"]] == [
        (CUSTOMER, "200", None),
        (CUSTOMER, "500", None),
    ]
    iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    assert re.match(iso, report["next_slot_at"])
    assert all(re.match(iso, c["at"]) for c in report["calls"])
    human = cli("quota")
    assert human.exit_code == 0
    assert "2 of 10 used · 8 left" in human.stdout
    assert human.stdout.startswith(f"account: profile default · region us · key {fingerprint}\n")
    assert re.search(r"^counting since \d\d:\d\d, when the ledger was started$", human.stdout, re.M)
    assert API_KEY not in human.stdout
    assert f"{CUSTOMER}  500" in human.stdout


def test_fresh_store_is_served_without_a_call(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E2, E1]
    first = cli("events", CUSTOMER)
    assert first.exit_code == 0
    second = cli("events", CUSTOMER)
    assert second.exit_code == 0
    assert json.loads(second.stdout) == [E1, E2]
    assert len(standin.show_events_requests()) == 1
    assert "from cache, fetched just now · --refresh for a live call (9 left this hour)" in (
        second.stderr
    )
    assert quota(cli)["used"] == 1
    cli("events", CUSTOMER, "--refresh")
    assert len(standin.show_events_requests()) == 2


def test_offline_never_calls(standin: StandIn, cli: Any) -> None:
    nothing = cli("events", CUSTOMER, "--offline")
    assert nothing.exit_code == 1
    assert f"nothing is stored for customer {CUSTOMER}" in nothing.stderr
    standin.customers[CUSTOMER] = [E1]
    cli("events", CUSTOMER)
    stored = cli("events", CUSTOMER, "--offline")
    assert stored.exit_code == 0
    assert json.loads(stored.stdout) == [E1]
    assert len(standin.show_events_requests()) == 1
    assert cli("events", CUSTOMER, "--offline", "--refresh").exit_code == 2


def test_offline_needs_no_key(standin: StandIn, cli: Any, monkeypatch: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    cli("events", CUSTOMER)
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    stored = cli("events", CUSTOMER, "--offline")
    assert stored.exit_code == 0, stored.stderr
    assert json.loads(stored.stdout) == [E1]


def test_errors_never_replace_a_good_response(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    cli("events", CUSTOMER)
    for reply in (Reply(500, {"message": "boom"}), Reply(200, b"[{broken"), Reply(200, b"{}")):
        standin.reply(reply)
        assert cli("events", CUSTOMER, "--refresh").exit_code == 1
    stored = cli("events", CUSTOMER, "--offline")
    assert json.loads(stored.stdout) == [E1]


def test_server_429_holds_back_further_calls(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
    limited = cli("events", CUSTOMER)
    assert limited.exit_code == 5
    assert "429 Rate limit exceeded" in limited.stderr
    assert re.search(r"live calls are held until \d\d:\d\d \(in 60 min\)", limited.stderr)
    held = cli("events", CUSTOMER)
    assert held.exit_code == 5
    assert "Blueshift answered 429 (rate limit); live calls are held until" in held.stderr
    assert len(standin.show_events_requests()) == 1
    report = quota(cli)
    assert report["blocked_until"] is not None
    assert report["calls"][0]["status"] == "429"
    assert cli("events", CUSTOMER, "--force").exit_code == 0
    assert len(standin.show_events_requests()) == 2
    # Blueshift answered again, so the hold is over.
    assert quota(cli)["blocked_until"] is None
    assert cli("events", CUSTOMER, "--refresh").exit_code == 0


def test_retry_after_sets_the_hold(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(429, {"message": "Rate limit exceeded"}, {"Retry-After": "120"}))
    limited = cli("events", CUSTOMER)
    assert limited.exit_code == 5
    assert "(in 2 min)" in limited.stderr


def test_refused_connection_gives_the_call_back(cli: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    monkeypatch.setenv("BSEVENTS_BASE_URL", "http://127.0.0.1:9")
    assert cli("events", CUSTOMER).exit_code == 1
    assert quota(cli)["used"] == 0


def test_timeout_reached_the_server_and_counts(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, [], delay=1.0))
    assert cli("events", CUSTOMER, "--timeout", "0.2").exit_code == 1
    assert [c["status"] for c in quota(cli)["calls"]] == ["timeout"]


def test_new_events_since_the_last_fetch(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1, E2]
    first = cli("events", CUSTOMER)
    assert "new event" not in first.stderr
    standin.customers[CUSTOMER] = [E1, E2, E3]
    second = cli("events", CUSTOMER, "--refresh", "--new")
    assert second.exit_code == 0
    assert "1 new event since the fetch just now" in second.stderr
    assert json.loads(second.stdout) == [E3]
    again = cli("events", CUSTOMER, "--offline", "--new")
    assert json.loads(again.stdout) == [E3]
    everything = cli("events", CUSTOMER, "--offline")
    assert json.loads(everything.stdout) == [E1, E2, E3]


def test_new_on_the_first_fetch_says_there_was_nothing_to_compare_with(
    standin: StandIn, cli: Any
) -> None:
    standin.customers[CUSTOMER] = [E1, E2]
    first = cli("events", CUSTOMER, "--new")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == []
    assert (
        "--new: this is the first copy of this customer here, with no earlier one to compare "
        "with, so no event counts as new; the next fetch marks what arrives"
    ) in first.stderr.splitlines()
    standin.customers[CUSTOMER] = [E1, E2, E3]
    second = cli("events", CUSTOMER, "--refresh", "--new")
    assert json.loads(second.stdout) == [E3]
    assert "first copy" not in second.stderr
    assert len(standin.show_events_requests()) == 2


def test_a_copy_never_suggests_a_refresh_that_would_be_refused(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert cli("config", "set", "hourly-cap", "1").exit_code == 0
    assert cli("events", CUSTOMER).exit_code == 0  # the hour's one call
    again = cli("events", CUSTOMER)
    assert again.exit_code == 0
    (note,) = [line for line in again.stderr.splitlines() if line.startswith("from cache")]
    assert re.fullmatch(
        r"from cache, fetched just now · no live call before \d\d:\d\d \(in 60 min\)", note
    ), note


def test_quiet_silences_notes_but_not_refusals(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    cli("events", CUSTOMER)
    quiet = cli("events", CUSTOMER, "--quiet")
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
    refused = cli("events", CUSTOMER, "--refresh", "--quiet")
    assert refused.exit_code == 5
    assert "error:" in refused.stderr


def test_completion_index_records_customers_and_event_names(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    standin.customers[CUSTOMER] = [E1, E2, make_event(event="bad name\x1b[2J")]
    cli("events", CUSTOMER)
    index = json.loads((isolated / ".cache" / "bsevents" / "index.json").read_text())
    assert index["version"] == 1
    [entry] = index["customers"]
    assert (entry["uuid"], entry["events"], entry["region"]) == (CUSTOMER, 3, "us")
    assert index["event_names"] == ["identify", "pageload"]


def test_damaged_cache_entry_is_set_aside(standin: StandIn, cli: Any, isolated: Path) -> None:
    standin.customers[CUSTOMER] = [E1]
    cli("events", CUSTOMER)
    [entry] = (isolated / ".cache" / "bsevents" / "responses").glob(f"*/{CUSTOMER}.json")
    entry.write_bytes(b"\x00garbage")
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [E1]
    assert "a stored response was unreadable" in result.stderr
    assert len(list(entry.parent.glob("*.damaged-*"))) == 1
    assert len(standin.show_events_requests()) == 2


def test_fourteen_processes_at_once_make_exactly_ten_calls(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [E1]
    standin.reply(*[Reply(200, [E1], delay=0.3) for _ in range(14)])
    procs = [
        subprocess.Popen(
            [str(SCRIPT), "events", CUSTOMER, "--refresh"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ.copy(),
        )
        for _ in range(14)
    ]
    codes = sorted(p.wait(timeout=120) for p in procs)
    for p in procs:
        p.communicate()
    assert codes == [0] * 10 + [5] * 4
    assert len(standin.show_events_requests()) == 10


def test_process_killed_mid_request_still_counts(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, [E1], delay=30))
    proc = subprocess.Popen(
        [str(SCRIPT), "events", CUSTOMER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 30
    while not standin.show_events_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert standin.show_events_requests(), "the request never reached the server"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    report = quota(cli)
    assert report["used"] == 1
    assert report["calls"][0]["status"] == "pending"


def test_refusal_does_not_offer_offline_when_nothing_is_stored(standin: StandIn, cli: Any) -> None:
    other = "0f3c2a9e-7d41-4b8e-9a55-3e1f6c8d2b70"
    standin.customers[CUSTOMER] = [E1]
    for _ in range(10):
        cli("events", CUSTOMER, "--refresh")
    refused = cli("events", other)
    assert refused.exit_code == 5
    assert f"nothing is stored for customer {other} yet" in refused.stderr
    assert "--force sends anyway" in refused.stderr
