"""Filters: parsing the options and choosing events. Pure functions, no CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bsevents.errors import NotFound, UsageProblem
from bsevents.model.event_time import _ISO_RE, parse_iso
from bsevents.model.times import parse_duration
from bsevents.query.filters import (
    Criteria,
    find_events,
    grep_matches,
    make_criteria,
    missing_types,
    parse_types,
    parse_when,
    select,
)
from tests.conftest import make_event

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)
UTC = timezone.utc


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("2h", NOW - timedelta(hours=2)),
        ("3d", NOW - timedelta(days=3)),
        ("1w", NOW - timedelta(weeks=1)),
        ("45s", NOW - timedelta(seconds=45)),
        (" 2H ", NOW - timedelta(hours=2)),
        ("1h30m", NOW - timedelta(minutes=90)),
        ("1d 12h", NOW - timedelta(hours=36)),
        ("2026-11-24", datetime(2026, 11, 24, tzinfo=UTC)),
        ("2026-11-24T19:05", datetime(2026, 11, 24, 19, 5, tzinfo=UTC)),
        ("2026-11-24 19:05:30", datetime(2026, 11, 24, 19, 5, 30, tzinfo=UTC)),
        ("2026-11-24T19:05:00Z", datetime(2026, 11, 24, 19, 5, tzinfo=UTC)),
        ("2026-11-24T21:05:00+02:00", datetime(2026, 11, 24, 19, 5, tzinfo=UTC)),
        ("2026-11-24T19:05:00.250Z", datetime(2026, 11, 24, 19, 5, 0, 250000, tzinfo=UTC)),
    ],
)
def test_parse_when_accepts_iso_and_relative(text: str, expected: datetime) -> None:
    assert parse_when(text, option="--since", now=NOW, tz=UTC) == expected.timestamp()


def test_a_bare_until_date_includes_the_whole_day() -> None:
    end = parse_when("2026-11-24", option="--until", now=NOW, tz=UTC, end_of_day=True)
    assert at("2026-11-24T23:59:59.999+00:00") < end < at("2026-11-25T00:00:00+00:00")
    # A date-time stays exactly what it says.
    exact = parse_when("2026-11-24T10:00", option="--until", now=NOW, tz=UTC, end_of_day=True)
    assert exact == at("2026-11-24T10:00:00+00:00")


def test_times_without_offset_are_read_in_the_zone_shown() -> None:
    plus_two = timezone(timedelta(hours=2))
    value = parse_when("2026-11-24T19:05", option="--since", now=NOW, tz=plus_two)
    assert value == at("2026-11-24T17:05:00+00:00")
    # An explicit offset wins over the zone.
    value = parse_when("2026-11-24T19:05Z", option="--since", now=NOW, tz=plus_two)
    assert value == at("2026-11-24T19:05:00+00:00")


@pytest.mark.parametrize("text", ["yesterday", "", "30", "m30", "2 hours", "-3d", "2026-11-24x"])
def test_parse_when_rejects_anything_else(text: str) -> None:
    with pytest.raises(UsageProblem) as caught:
        parse_when(text, option="--since", now=NOW)
    assert caught.value.message == f"--since: {text!r} is not a date, a date-time or a duration"
    assert caught.value.hint is not None
    assert "30m, 2h, 3d" in caught.value.hint


IMPOSSIBLE_TIMES = [
    "2026-13-01",
    "2026-00-10",
    "2026-02-30",
    "0000-01-01",
    "2026-11-24T25:00",
    "2026-11-24T24:00:00Z",
    "2026-11-24T10:60",
    "2026-11-24T10:00:61Z",
    "2026-11-24T10:00:00+24:00",
    "2026-11-24T10:00:00-24:00",
    "2026-11-24T10:00:00+18:01",
    "2026-11-24T10:00:00+99",
    "2026-11-24T10:00:00+05:60",
    "2026-11-24T10:00:00.123+2400",
]


@pytest.mark.parametrize("text", IMPOSSIBLE_TIMES)
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_impossible_dates_and_offsets_are_named_as_such(text: str, option: str) -> None:
    with pytest.raises(UsageProblem) as caught:
        parse_when(text, option=option, now=NOW, end_of_day=option == "--until")
    assert caught.value.message == f"{option}: {text!r} is not a possible date or time"
    assert caught.value.hint == "months run 1-12, hours 0-23, and a UTC offset is at most ±18:00"


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+18:00", "9999-12-31T23:59:59-18:00", "0001-01-01"]
)
def test_the_ends_of_the_calendar_are_too_far(text: str) -> None:
    with pytest.raises(UsageProblem, match="is too far in time"):
        parse_when(text, option="--since", now=NOW)


def test_offsets_up_to_eighteen_hours_are_read() -> None:
    assert parse_when("2026-11-24T18:00+18:00", option="--since", now=NOW) == at(
        "2026-11-24T00:00:00+00:00"
    )
    assert parse_when("2026-11-24T00:00-1800", option="--since", now=NOW) == at(
        "2026-11-24T18:00:00+00:00"
    )


def test_since_after_until_is_a_usage_error() -> None:
    with pytest.raises(UsageProblem, match="is after --until"):
        make_criteria(since="2026-11-25", until="2026-11-24", utc=True, now=NOW)


def test_blank_grep_is_a_usage_error() -> None:
    with pytest.raises(UsageProblem, match="--grep needs"):
        make_criteria(grep="  ")


def test_parse_types_is_repeatable_and_comma_separated() -> None:
    assert parse_types(["view,purchase", " search ", "a,,b"]) == {
        "view",
        "purchase",
        "search",
        "a",
        "b",
    }
    assert parse_types(None) == frozenset()


def events_at(*stamps: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        make_event(event=f"e{i}", event_uuid=f"uuid-{i}", timestamp=stamp, **extra)
        for i, stamp in enumerate(stamps)
    ]


def test_select_filters_limits_most_recent_then_reverses() -> None:
    events = events_at(
        "2026-11-24T10:00:00Z",
        "2026-11-24T11:00:00Z",
        "2026-11-24T12:00:00Z",
        "2026-11-24T13:00:00Z",
    )
    chosen = select(events, Criteria(), limit=2)
    assert [e["event"] for e in chosen.events] == ["e2", "e3"]
    assert (chosen.total, chosen.matching, len(chosen.events)) == (4, 4, 2)
    backwards = select(events, Criteria(), limit=3, reverse=True)
    assert [e["event"] for e in backwards.events] == ["e3", "e2", "e1"]
    window = make_criteria(since="2026-11-24T10:30Z", until="2026-11-24T12:00Z", now=NOW)
    assert [e["event"] for e in select(events, window).events] == ["e1", "e2"]


def test_filters_compose() -> None:
    events = [
        make_event(event="view", timestamp="2026-11-24T10:00:00Z", sku="BOOT-1"),
        make_event(event="view", timestamp="2026-11-24T11:00:00Z", sku="SOCK-1"),
        make_event(event="purchase", timestamp="2026-11-24T12:00:00Z", sku="BOOT-1"),
        make_event(event="view", timestamp="2026-11-25T10:00:00Z", sku="boot-2"),
    ]
    criteria = make_criteria(types=["view"], grep="boot", until="2026-11-24", utc=True, now=NOW)
    chosen = select(events, criteria)
    assert chosen.events == [events[0]]
    assert chosen.matching == 1


def test_time_filters_leave_out_events_without_a_time() -> None:
    events = [make_event(timestamp="garbage"), make_event(timestamp="2026-11-24T10:00:00Z")]
    chosen = select(events, make_criteria(since="2020-01-01", now=NOW))
    assert chosen.events == [events[1]]


def test_grep_looks_in_values_at_any_depth_ignoring_case_but_not_in_keys() -> None:
    event = make_event(products=[{"name": "Trail Boot", "qty": 2}], flag=True, price=31.5)
    assert grep_matches(event, "trail boot")
    assert grep_matches(event, "TRAIL")
    assert grep_matches(event, "31.5")
    assert grep_matches(event, "true")
    assert grep_matches(event, "site.com")
    assert not grep_matches(event, "products")  # a key, not a value
    assert not grep_matches(event, "qty")
    assert grep_matches({"x": "STRASSE"}, "straße")  # casefold, not just lower


def test_missing_types_suggests_the_name_with_the_right_case() -> None:
    events = [make_event(event="purchase"), make_event(event="add_to_cart")]
    assert missing_types(events, frozenset({"Purchase", "add_to_cart", "zzz"})) == {
        "Purchase": ["purchase"],
        "zzz": [],
    }


def test_find_events_by_exact_uuid_or_unique_prefix() -> None:
    events = [
        make_event(event_uuid="AB12cd34-0000"),
        make_event(event_uuid="ab99-0000"),
        make_event(event_uuid=None),
    ]
    assert find_events(events, " ab12CD34-0000 ") == [events[0]]
    assert find_events(events, "ab12") == [events[0]]
    with pytest.raises(UsageProblem, match="2 events have an event_uuid starting with 'ab'"):
        find_events(events, "ab")
    with pytest.raises(NotFound, match="no event has event_uuid 'ff'"):
        find_events(events, "ff")
    with pytest.raises(UsageProblem):
        find_events(events, "  ")


def test_find_events_returns_every_duplicate() -> None:
    twice = [make_event(event_uuid="same"), make_event(event_uuid="same", x=1)]
    assert find_events(twice, "same") == twice


# parse_iso has a fast path for Blueshift's usual shapes; it must agree with the
# general parser on every string of those shapes.
_shaped = st.builds(
    lambda date, time, fraction, z: f"{date}T{time}{fraction}{z}",
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{2}:[0-9]{2}:[0-9]{2}", fullmatch=True),
    st.sampled_from(["", ".000", ".415", ".999"]),
    st.sampled_from(["Z", "z", "+00:00"]),
)


def _general(text: str) -> datetime | None:
    match = _ISO_RE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _zone = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None


@given(_shaped)
def test_fast_iso_path_agrees_with_the_general_parser(text: str) -> None:
    assert parse_iso(text) == _general(text)


@pytest.mark.parametrize("value", ["", ",", " , "])
def test_a_type_that_names_nothing_is_refused(value: str) -> None:
    with pytest.raises(UsageProblem, match="names no event"):
        parse_types([value])


def test_superscript_digits_are_not_a_duration() -> None:
    assert parse_duration("²") is None
    assert parse_duration("90") == 90


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59Z"])
@pytest.mark.parametrize("option", ["since", "until"])
def test_dates_at_the_ends_of_the_calendar_are_a_usage_error(option: str, when: str) -> None:
    # No event is there, and a zone or the end of the day would overflow the date: one
    # rule for both ends, rather than whichever overflowed.
    with pytest.raises(UsageProblem, match="is too far in time"):
        make_criteria(**{option: when}, utc=True)
