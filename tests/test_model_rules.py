"""Pure rules of the model: the event-name rule, unique id prefixes, and what casts doubt
on an event's time."""

from __future__ import annotations

from typing import Any

import pytest

from bsevents.model.event_time import TimeDoubt, event_time, read_time, time_doubt
from bsevents.model.ids import ShortIds, copy_key
from bsevents.model.names import judge


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("add_to_cart", []),
        ("purchase$", []),  # the destination refuses no other character
        ("Kauf_bestätigt", []),
        ("x" * 64, []),
        ("checkout_step_2", ["a digit"]),
        ("page.view", ["a period"]),
        ("x" * 65, ["65 characters"]),
        ("😀" * 33, ["66 characters"]),  # JavaScript counts UTF-16 units
        ("step²", []),  # JavaScript's \d is 0-9 only
        ("", ["nothing in it"]),
        ("signed up", ["white space"]),
        (" purchase", ["white space"]),  # sent as _purchase
        ("a\u3000b", ["white space"]),
        ("sign\x1bup", ["a control character"]),
        ("buy\u200b", ["a control character"]),  # invisible: looks like `buy`
        ("a\tb.c", ["a control character", "white space", "a period"]),
    ],
)
def test_the_event_name_rule(name: str, problems: list[str]) -> None:
    assert judge(name).problems() == problems


def test_short_ids_are_the_shortest_unique_prefix_of_at_least_8() -> None:
    ids = ShortIds.of(
        {"event_uuid": uuid}
        for uuid in (
            "7e570000-1aaa-4000",
            "7e570000-2aaa-4000",
            "7E570000-2AAB-4000",
            "7e570000-2aab-4000",
            "9f0c8a7e-d4cd-11eb",
            "abcdefgh",
            "abcdefghij",
            "short",
            "34abcd-efghijkj-1234kf",
        )
    )
    shown = {
        uuid: ids.short(uuid)
        for uuid in (
            "7e570000-1aaa-4000",
            "7e570000-2aaa-4000",
            "7E570000-2AAB-4000",
            "9f0c8a7e-d4cd-11eb",
            "abcdefgh",
            "abcdefghij",
            "short",
            "34abcd-efghijkj-1234kf",
        )
    }
    assert shown == {
        "7e570000-1aaa-4000": "7e570000-1",
        "7e570000-2aaa-4000": "7e570000-2aaa",
        "7E570000-2AAB-4000": "7E570000-2AAB",  # the letter case as sent
        "9f0c8a7e-d4cd-11eb": "9f0c8a7e",
        "abcdefgh": "abcdefgh",  # all of it: --show takes an exact match first
        "abcdefghij": "abcdefghi",
        "short": "short",
        "34abcd-efghijkj-1234kf": "34abcd-e",
    }
    assert (ids.count("7E570000-2AAB-4000"), ids.count("short"), ids.count("none")) == (2, 1, 0)


def test_copies_are_the_same_uuid_and_name() -> None:
    first = {"event": "purchase", "event_uuid": "A1"}
    assert copy_key(first) == copy_key({"event": "purchase", "event_uuid": "a1", "x": 1})
    assert copy_key(first) != copy_key({"event": "pageload", "event_uuid": "A1"})
    assert copy_key({"event": "purchase"}) is None


STAMP, EPOCH = "2026-01-11T10:00:00Z", 1768125600


@pytest.mark.parametrize(
    ("event", "doubt"),
    [
        ({"timestamp": STAMP, "timestamp_epoch": EPOCH}, None),
        ({"timestamp": STAMP, "timestamp_epoch": EPOCH + 60}, None),
        (
            {"timestamp": STAMP, "timestamp_epoch": EPOCH + 61},
            TimeDoubt("timestamp_epoch", EPOCH + 61, "timestamp", 61.0),
        ),
        ({"timestamp": STAMP, "timestamp_epoch": "soon"}, None),  # not read: no doubt cast
        ({"timestamp": None, "timestamp_epoch": EPOCH}, None),
        (
            {"timestamp": "2026-13-01", "timestamp_epoch": EPOCH},
            TimeDoubt("timestamp", "2026-13-01", "timestamp_epoch"),
        ),
        (
            {"timestamp": "", "_bsft_ts": STAMP},
            TimeDoubt("timestamp", "", "_bsft_ts"),
        ),
        ({"timestamp": 5}, TimeDoubt("timestamp", 5, None)),
        (
            {"timestamp_epoch": "NaN", "_bsft_ts": STAMP},
            TimeDoubt("timestamp_epoch", "NaN", "_bsft_ts"),
        ),
        ({}, None),
    ],
)
def test_what_casts_doubt_on_a_time(event: dict[str, Any], doubt: TimeDoubt | None) -> None:
    assert time_doubt(event) == doubt
    assert read_time(event) == (event_time(event), doubt)
