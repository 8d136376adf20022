"""The lint rules as pure functions: the edges where each one must stay quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bsevents.model.events import sort_events
from bsevents.query.lint import Batch, lint, sort_findings
from tests.conftest import make_event

NOW = 1_795_000_000.0  # 2026-11-18T11:06:40Z


def rules(*events: dict[str, Any], now: float = NOW) -> list[tuple[str, str]]:
    found = sort_findings(lint(Batch.of(sort_events(events), now)))
    return [(f.rule, f.path) for f in found]


def at(stamp: str, uuid: str, **fields: Any) -> dict[str, Any]:
    return make_event(timestamp=f"2026-11-17T{stamp}Z", event_uuid=uuid, **fields)


def test_near_duplicate_needs_the_same_parameters_within_two_seconds() -> None:
    assert rules(at("10:00:00", "a", sku="1"), at("10:00:02.500", "b", sku="1")) == []
    assert rules(at("10:00:00", "a", sku="1"), at("10:00:01", "b", sku="2")) == []
    assert rules(at("10:00:00", "a", sku="1"), at("10:00:02", "b", sku="1")) == [
        ("near-duplicate", "")
    ]
    # The same uuid is a double send, not a double-fired tag.
    assert rules(at("10:00:00", "a", sku="1"), at("10:00:01", "a", sku="1")) == [
        ("duplicate-uuid", "event_uuid")
    ]


def test_near_duplicates_compare_ids_as_show_does_and_never_name_a_missing_one() -> None:
    def messages(*events: dict[str, Any]) -> list[str]:
        found = sort_findings(lint(Batch.of(sort_events(events), NOW)))
        return [f"{f.rule}: {f.message}" for f in found]

    # ABC and abc are one id: a double send, not a double-fired tag as well.
    assert messages(at("10:00:00", "ABC", sku="1"), at("10:00:01", "abc", sku="1")) == [
        "duplicate-uuid: this event_uuid is here 2 times (a double send); expected each event once"
    ]
    # Two events without an id are two events; the message says there was none.
    assert messages(at("10:00:00", None, sku="1"), at("10:00:01", None, sku="1")) == [
        'near-duplicate: same "pageload" with the same parameters 1.0 s after an event with '
        "no event_uuid (a double-fired tag?); expected one event"
    ]


def test_one_id_on_different_events_is_not_called_a_double_send() -> None:
    def messages(*events: dict[str, Any]) -> list[str]:
        found = sort_findings(lint(Batch.of(sort_events(events), NOW)))
        return [f.message for f in found if f.rule == "duplicate-uuid"]

    assert messages(at("10:00", "a"), at("10:00", "a")) == [
        "this event_uuid is here 2 times (a double send); expected each event once"
    ]
    assert (
        messages(at("10:00", "a"), at("10:01", "A", event="signup"))
        == [
            'this event_uuid is here 2 times, on 2 different events: "pageload", "signup"; '
            "expected one event_uuid per event"
        ]
        * 2
    )


def test_type_drift_ignores_null_and_mixes_of_integers_and_fractions() -> None:
    assert rules(at("10:00", "a", n=None), at("11:00", "b", n=3), at("12:00", "c", n=2.5)) == []
    drift = rules(at("10:00", "a", n=[1]), at("11:00", "b", n={"x": 1}), at("12:00", "c", n=[2]))
    assert drift == [("type-drift", "n")]
    # Only within one event name.
    assert rules(at("10:00", "a", n="1"), at("11:00", "b", n=1, event="view")) == []


def test_type_drift_counts_the_other_events_in_words() -> None:
    found = sort_findings(
        lint(Batch.of(sort_events([at("10:00", "a", n="1"), at("11:00", "b", n=2)]), NOW))
    )
    assert sorted(f.message for f in found if f.rule == "type-drift") == [
        'n is a number here but a string in 1 other "pageload" event; expected one type',
    ]  # on a tie, the later event is the one that drifted


def test_placeholders_are_exact_and_found_at_depth() -> None:
    nested = {"a": [{"b": {"c": "NaN"}}], "d": "Nothing", "e": "undefined ", "f": "nan"}
    assert rules(at("10:00", "a", x=nested)) == [("placeholder-value", "x.a.0.b.c")]
    deep: Any = "None"
    for _ in range(40):
        deep = [deep]
    assert rules(at("10:00", "a", deep=deep)) == []  # beyond the depth searched


def test_times() -> None:
    quiet = make_event(event_uuid="a", timestamp=None, timestamp_epoch="1795000000")
    assert rules(quiet) == []
    assert rules(make_event(event_uuid="a", timestamp="2026-11-18T11:11:00Z")) == []
    assert rules(make_event(event_uuid="a", timestamp="2026-11-18T11:12:00Z")) == [
        ("future-time", "timestamp")
    ]
    hour = at("10:59:00", "a", _bsft_ts="2026-11-17T11:59:00Z")
    assert rules(hour) == []
    late = at("10:59:00", "a", _bsft_ts="2026-11-17T12:00:00+00:00")
    assert rules(late) == [("late-arrival", "_bsft_ts")]


def test_event_names() -> None:
    assert rules(at("10:00", "a", event="add_to_cart")) == []
    for bad in ("page.view", "step2", "page view", "x" * 65):
        assert rules(at("10:00", "a", event=bad)) == [("event-name", "event")]
    assert rules(at("10:00", "a", event="x" * 64)) == []


def test_errors_come_first_then_time() -> None:
    found = rules(
        at("10:00", "a", event="page view"),
        at("11:00", "b", v="undefined"),
        make_event(event_uuid="c", timestamp="never"),
    )
    assert found == [("bad-time", "timestamp"), ("event-name", "event"), ("placeholder-value", "v")]


def test_an_object_as_an_event_name_beside_type_drift_is_no_crash(cli: Any, tmp_path: Path) -> None:
    events = [
        {"event": "a", "x": 1, "event_uuid": "u1", "timestamp": "2026-11-20T10:00:00Z"},
        {"event": "a", "x": "1", "event_uuid": "u2", "timestamp": "2026-11-20T10:01:00Z"},
        {"event": {"n": 1}, "event_uuid": "u3", "timestamp": "2026-11-20T10:02:00Z"},
        {"event": ["a"], "x": [1], "event_uuid": "u4", "timestamp": "2026-11-20T10:03:00Z"},
    ]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(events))
    for args in (["events", "--view", "table"], ["events", "--view", "timeline"], ["lint"]):
        done = cli(*args, "-f", str(path))
        assert done.exit_code == 0, (args, done.stderr)
        assert "internal error" not in done.stderr
    drift = json.loads(cli("lint", "-f", str(path), "--json").stdout)
    # The first type seen is taken as meant when the types are tied.
    assert [(f["rule"], f["event_uuid"]) for f in drift] == [("type-drift", "u2")]
