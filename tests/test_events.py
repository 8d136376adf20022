"""Reading event times and sorting: pure functions."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bsevents.errors import BadResponse
from bsevents.model.event_time import event_time, parse_iso
from bsevents.model.events import parse_events_json, sort_events


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-06-24T04:53:54Z", datetime(2021, 6, 24, 4, 53, 54, tzinfo=timezone.utc)),
        ("2021-06-24T04:53:54.415Z", datetime(2021, 6, 24, 4, 53, 54, 415000, timezone.utc)),
        ("2021-06-24T04:53:54.123456789Z", datetime(2021, 6, 24, 4, 53, 54, 123456, timezone.utc)),
        ("2021-06-24T06:53:54+02:00", datetime(2021, 6, 24, 4, 53, 54, tzinfo=timezone.utc)),
        ("2021-06-24T01:53:54-0300", datetime(2021, 6, 24, 4, 53, 54, tzinfo=timezone.utc)),
        ("2021-06-24T04:53:54", datetime(2021, 6, 24, 4, 53, 54, tzinfo=timezone.utc)),
        ("2021-06-24", datetime(2021, 6, 24, tzinfo=timezone.utc)),
    ],
)
def test_parse_iso_forms(text: str, expected: datetime) -> None:
    assert parse_iso(text) == expected


@pytest.mark.parametrize(
    "text", ['2021-06-24T04:53:54Z",', "string", "", "2021-13-01T00:00:00Z", "yesterday"]
)
def test_parse_iso_rejects_unusable_text(text: str) -> None:
    assert parse_iso(text) is None


def test_event_time_falls_back_from_timestamp_to_epoch_to_bsft_ts() -> None:
    assert event_time({"timestamp": "1970-01-01T00:00:10Z", "timestamp_epoch": 99}) == 10
    assert event_time({"timestamp": "bad", "timestamp_epoch": 20}) == 20
    assert event_time({"timestamp_epoch": "30"}) == 30
    assert event_time({"timestamp_epoch": 1_624_510_434_000}) == 1_624_510_434  # milliseconds
    assert event_time({"timestamp_epoch": "string", "_bsft_ts": "1970-01-01T00:00:40Z"}) == 40
    assert event_time({"timestamp_epoch": True}) is None
    assert event_time({"timestamp": None, "timestamp_epoch": None}) is None
    assert event_time({}) is None


def test_sort_is_oldest_first_across_formats_with_untimed_last_in_order() -> None:
    events = [
        {"id": "untimed-1"},
        {"id": "c", "timestamp": "2021-06-24T06:00:00+02:00"},  # 04:00Z
        {"id": "a", "timestamp_epoch": "1624500000"},  # 2021-06-24T02:00Z
        {"id": "untimed-2", "timestamp": "garbage"},
        {"id": "b", "_bsft_ts": "2021-06-24T03:00:00.5Z"},
        {"id": "d", "timestamp": "2021-06-24T05:00:00.000Z"},
    ]
    assert [e["id"] for e in sort_events(events)] == ["a", "b", "c", "d", "untimed-1", "untimed-2"]


def test_sort_is_stable_for_equal_times() -> None:
    events = [{"id": i, "timestamp": "2021-06-24T04:53:54Z"} for i in range(5)]
    assert [e["id"] for e in sort_events(events)] == [0, 1, 2, 3, 4]


def test_sort_does_not_touch_the_objects() -> None:
    event = {"timestamp": "2021-06-24T04:53:54Z", "x": [1, {"y": None}]}
    snapshot = repr(event)
    assert sort_events([event])[0] is event
    assert repr(event) == snapshot


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"message": "ok"}', "expected a JSON array of events, got a JSON object"),
        (b"[1, 2]", "event 0 is a JSON number, not an object"),
        (b'[{"a": 1}, "x"]', "event 1 is a JSON string, not an object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_parse_events_json_rejects_unexpected_bodies(body: bytes, problem: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_events_json(body)
    assert problem in caught.value.message


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59", "0001-01-01"]
)
def test_times_at_the_ends_of_the_calendar_are_unusable(stamp: str) -> None:
    assert event_time({"timestamp": stamp}) is None
    assert event_time({"timestamp": stamp, "timestamp_epoch": 10}) == 10


def test_numbers_a_double_cannot_hold_never_come_out_as_infinity() -> None:
    events = parse_events_json(b'[{"a": 1e400, "b": -1e999, "c": 0.5}]')
    assert json.dumps(events, allow_nan=False) == (
        '[{"a": 1.7976931348623157e+308, "b": -1.7976931348623157e+308, "c": 0.5}]'
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(literal: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_events_json(f'[{{"a": {literal}}}]'.encode())
    assert f"{literal} is not valid JSON" in caught.value.message


def test_huge_integer_epoch_is_unusable_not_a_crash(cli: Any, tmp_path: Path) -> None:
    assert event_time({"timestamp_epoch": 10**400}) is None
    path = tmp_path / "huge.json"
    path.write_text('[{"event": "a", "timestamp_epoch": 1' + "0" * 400 + "}]")
    result = cli("events", "--from-file", str(path), "--view", "table")
    assert result.exit_code == 0, result.stderr
