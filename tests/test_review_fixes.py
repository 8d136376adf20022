"""Regressions found in review: each of these once crashed, leaked or misbehaved."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bsevents.customer import UUID_RE, parse_customer
from bsevents.errors import UsageProblem
from bsevents.events import event_time
from bsevents.ledger import Ledger
from bsevents.sanitize import clean
from bsevents.timefmt import parse_duration
from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import SEARCH, StandIn


def test_huge_integer_epoch_is_unusable_not_a_crash(cli: Any, tmp_path: Path) -> None:
    assert event_time({"timestamp_epoch": 10**400}) is None
    path = tmp_path / "huge.json"
    path.write_text('[{"event": "a", "timestamp_epoch": 1' + "0" * 400 + "}]")
    result = cli("events", "--from-file", str(path), "--view", "table")
    assert result.exit_code == 0, result.stderr


def test_a_uuid_with_a_trailing_newline_is_not_a_uuid(standin: StandIn, cli: Any) -> None:
    assert UUID_RE.match(CUSTOMER + "\n") is None
    standin.people["nl@example.com"] = [{"uuid": CUSTOMER + "\n"}]
    result = cli("events", "--email", "nl@example.com")
    assert result.exit_code == 1
    assert "not a UUID" in result.stderr
    assert [r.path for r in standin.requests] == [SEARCH]
    assert parse_customer(f" {CUSTOMER}\n").uuid == CUSTOMER  # pasted input is trimmed


def test_superscript_digits_are_not_a_duration() -> None:
    assert parse_duration("²") is None
    assert parse_duration("90") == 90


@pytest.mark.parametrize("interval", ["99999999999999999999w", "2d"])
def test_a_watch_interval_over_a_day_is_refused_before_any_call(
    standin: StandIn, cli: Any, interval: str
) -> None:
    result = cli("events", CUSTOMER, "--watch", interval)
    assert result.exit_code == 2
    assert "is longer than a day" in result.stderr
    assert standin.requests == []


def test_a_watch_during_a_hold_is_refused_at_once(standin: StandIn, cli: Any) -> None:
    from tests.standin import Reply

    standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
    assert cli("events", CUSTOMER).exit_code == 5
    result = cli("events", CUSTOMER, "--watch")
    assert result.exit_code == 5
    assert "live calls are held until" in result.stderr
    assert len(standin.requests) == 1


def test_a_damaged_ledger_from_the_future_holds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"garbage" * 100)
    future = time.time() + 10 * 86400
    os.utime(path, (future, future))
    ledger = Ledger.open(path)
    assert ledger.budget("us-000000000000", 10).blocked_until is None


def test_joiners_that_scripts_and_emoji_need_are_kept() -> None:
    assert clean("می\u200cخواهم 👨\u200d👩") == "می\u200cخواهم 👨\u200d👩"
    assert clean("purchase\u200b") == "purchase\\u200b"


def test_postman_bodies_get_the_same_number_handling(cli: Any, tmp_path: Path) -> None:
    body = '[{"event": "purchase", "revenue": 1e400}]'
    collection = {
        "info": {"name": "x"},
        "item": [
            {
                "name": "show",
                "request": {"url": "/api/v1/customer_search/show_events"},
                "response": [{"name": "ok", "code": 200, "body": body}],
            }
        ],
    }
    path = tmp_path / "pm.json"
    path.write_text(json.dumps(collection))
    result = cli("events", "--from-file", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert "Infinity" not in result.stdout
    assert json.loads(result.stdout)[0]["revenue"] == 1.7976931348623157e308


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_a_usage_error(cli: Any, when: str) -> None:
    for option in ("--since", "--until"):
        result = cli("events", "--demo", option, when)
        assert result.exit_code in (0, 2), result.stderr
        assert "internal error" not in result.stderr


def test_table_into_a_closed_pipe_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps([make_event(event_uuid=f"e-{i}") for i in range(20_000)]))
    producer = subprocess.Popen(
        [str(SCRIPT), "events", "--from-file", str(path), "--all", "--view", "timeline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None
    assert producer.stderr is not None
    producer.stdout.readline()
    producer.stdout.close()
    errors = producer.stderr.read()
    assert producer.wait(timeout=60) == 0, errors
    assert b"Traceback" not in errors


def test_parse_interval_rejects_text() -> None:
    from bsevents.watch import parse_interval

    with pytest.raises(UsageProblem):
        parse_interval("soon", 10)
