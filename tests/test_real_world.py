"""Data as Blueshift really sends it, the dashboard link, the marks on new events and the
progress spinner."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUSTOMER, make_event
from tests.ptyrun import run_on_pty
from tests.standin import StandIn

# Blueshift's own published example response for show_events, with its flaws: a stray
# quote and comma in `timestamp`, strings where numbers and UUIDs belong, an integer
# parent, and the same event_uuid twice.
PUBLISHED = [
    {
        "_bsft_doc_type": "events",
        "_bsft_ts": "2021-08-25T06:06:59.415Z",
        "_bsft_type": {"name": "events", "parent": 0},
        "account_uuid": "string",
        "browser_platform": "string",
        "browser_type": "string",
        "browser_version": "string",
        "cookie": "string",
        "email": "string",
        "event": "identify",
        "event_uuid": "3766f118-d4cd-11eb-a278-0242ac110006",
        "ip": "string",
        "referrer": "string",
        "santized_at": "string",
        "session_uuid": "string",
        "site": "string",
        "timestamp": '2021-06-24T04:53:54Z",',
        "timestamp_epoch": "string",
        "url": "string",
        "user_agent": "string",
        "user_uuid": "string",
    },
    {
        "_bsft_doc_type": "events",
        "_bsft_type": {"name": "events", "parent": 0},
        "event": "pageload",
        "event_uuid": "3766f118-d4cd-11eb-a278-0242ac110006",
        "session_uuid": "string",
        "timestamp": '2021-06-24T04:53:54Z",',
        "timestamp_epoch": "string",
    },
    {
        "event": "add_to_cart",
        "event_uuid": "9f0c8a7e-d4cd-11eb-a278-0242ac110006",
        "timestamp": "2021-06-24T04:50:00Z",
        "product_id": "A1",
    },
]


@pytest.fixture
def published(tmp_path: Path) -> Path:
    path = tmp_path / "published.json"
    path.write_text(json.dumps(PUBLISHED))
    return path


def test_json_passes_the_objects_through_unchanged(published: Path, cli: Any) -> None:
    result = cli("events", "--from-file", str(published), "--json")
    assert result.exit_code == 0
    # Timed first (add_to_cart by timestamp, identify by _bsft_ts), then the untimed one.
    assert json.loads(result.stdout) == [PUBLISHED[2], PUBLISHED[0], PUBLISHED[1]]
    assert "1 event has no usable time; it is listed last" in result.stderr


@pytest.mark.parametrize("view", ["table", "timeline", "ndjson", "csv"])
def test_every_view_shows_duplicates_and_flawed_values(
    published: Path, cli: Any, view: str
) -> None:
    result = cli("events", "--from-file", str(published), "--view", view, "--color", "never")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    # Both events sharing one event_uuid are shown, not merged.
    assert result.stdout.count("identify") == 1
    assert result.stdout.count("pageload") == 1
    assert result.stdout.count("add_to_cart") == 1
    assert "1 event has no usable time" in result.stderr


def test_show_lists_both_events_sharing_a_uuid(published: Path, cli: Any) -> None:
    result = cli("events", "--from-file", str(published), "--show", "3766f118")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert [e["event"] for e in shown] == ["identify", "pageload"]
    assert "2 events share this event_uuid" in result.stderr


@pytest.mark.parametrize(
    ("region", "host"), [("us", "app.getblueshift.com"), ("eu", "app.eu.getblueshift.com")]
)
def test_headers_link_the_customer_in_the_dashboard(
    standin: StandIn, cli: Any, region: str, host: str
) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    for view in ("table", "timeline"):
        result = cli("events", CUSTOMER, "--region", region, "--view", view, "--color", "never")
        assert result.exit_code == 0, result.stderr
        assert (
            f"dashboard https://{host}/dashboard#/app/customer/{CUSTOMER}/show/overview"
            in result.stdout
        )


def test_demo_and_saved_files_have_no_dashboard_link(cli: Any, published: Path) -> None:
    for source in (["--demo"], ["--from-file", str(published)]):
        result = cli("events", *source, "--view", "table", "--color", "never")
        assert result.exit_code == 0, result.stderr
        assert " events" in result.stdout.splitlines()[0]
        assert "dashboard" not in result.stdout


def test_new_events_are_marked_in_table_and_timeline(standin: StandIn, cli: Any) -> None:
    old = make_event(event="identify", event_uuid="old", timestamp="2026-11-28T07:00:00Z")
    fresh = make_event(event="purchase", event_uuid="fresh", timestamp="2026-11-28T07:05:00Z")
    standin.customers[CUSTOMER] = [old]
    cli("events", CUSTOMER)
    standin.customers[CUSTOMER] = [old, fresh]
    assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    for view in ("table", "timeline"):  # the marks stay with the stored response
        result = cli("events", CUSTOMER, "--offline", "--view", view, "--color", "never")
        marked = [line for line in result.stdout.splitlines() if line.startswith("●")]
        assert len(marked) == 2, result.stdout  # the purchase row and the legend
        assert "purchase" in marked[0]
        assert marked[1] == "● new"


def test_spinner_shows_on_a_terminal(standin: StandIn) -> None:
    big = [make_event(event_uuid=f"e-{i}", padding="x" * 300) for i in range(8000)]
    standin.customers[CUSTOMER] = big  # about 3 MB
    result = run_on_pty("events", CUSTOMER, "--view", "json", env=dict(os.environ))
    assert result.returncode == 0
    assert re.search(r"\r. receiving \d+(\.\d)? [kM]B\x1b\[K", result.output)
    # It is erased before the data starts.
    assert re.search(r"\r\x1b\[K\[", result.output)


def test_times_at_the_ends_of_the_calendar_do_not_break_any_view(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "extreme.json"
    path.write_text(
        json.dumps(
            [
                {"event": "x", "timestamp": "0001-01-01T00:00:00+01:00"},
                {"event": "y", "timestamp": "9999-12-31T23:59:59-23:59"},
            ]
        )
    )
    for view in ("table", "timeline", "csv", "json"):
        result = cli("events", "--from-file", str(path), "--view", view)
        assert result.exit_code == 0, (view, result.stderr)
        assert "2 events have no usable time" in result.stderr
