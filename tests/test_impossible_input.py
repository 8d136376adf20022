"""Impossible times and absurd nesting: an event with either is shown, never a crash.

Event times with an offset past ±18:00, a year 0, a month 13, a huge or NaN epoch or a
boolean are "no usable time"; the same text given to --since/--until exits 2. JSON
nested deeper than the parser follows is a clear error, and anything it did read goes
through every view (encoders that run out of stack get a copy cut at MAX_DEPTH).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bsevents.model import times as timefmt
from bsevents.model.event_time import event_time, parse_iso
from bsevents.model.json_text import MAX_DEPTH, TOO_DEEP, cut_deep, encode_json
from bsevents.state.paths import cache_dir
from tests.conftest import CUSTOMER, make_event
from tests.standin import StandIn

BAD_ISO = [
    "2026-11-24T19:02:11+24:00",
    "2026-11-24T19:02:11-24:00",
    "2026-11-24T19:02:11+18:01",
    "2026-11-24T19:02:11.5-1801",
    "2026-11-24T19:02:11+05:60",
    "2026-11-24T19:02:11+99:99",
    "0000-01-01T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-00-01",
    "2026-02-30T10:00:00Z",
    "2026-11-24T24:00:00Z",
    "2026-11-24T23:60:00Z",
    "0001-01-01T00:00:00+18:00",
    "9999-12-31T23:59:59-18:00",
    "0001-01-01",
]
BAD_EPOCHS: list[Any] = [
    1e300,
    -1e300,
    10**400,
    10**17,  # as milliseconds, past the year 9999
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "1e400",
    "1_700_000_000",
    "١٧٠٠٠٠٠٠٠٠",
    True,
    False,
    {},
    [1700000000],
]
VIEWS = [
    ["--view", "table"],
    ["--view", "timeline"],
    ["--view", "json"],
    ["--view", "ndjson"],
    ["--view", "csv"],
    ["--view", "table", "--fields", "timestamp,timestamp_epoch"],
    ["--show", "bad-time-1"],  # exact: bad-time-10 … start with it too
]


def _bad_events() -> list[dict[str, Any]]:
    events = [
        {"event": "view", "event_uuid": f"bad-time-{n}", "timestamp": text, "_bsft_ts": text}
        for n, text in enumerate(BAD_ISO)
    ]
    events += [{"event": "view", "timestamp_epoch": value} for value in BAD_EPOCHS]
    return events


@pytest.mark.parametrize("text", BAD_ISO)
def test_impossible_iso_times_are_not_usable(text: str) -> None:
    assert event_time({"timestamp": text}) is None
    assert event_time({"_bsft_ts": text}) is None


@pytest.mark.parametrize("value", BAD_EPOCHS, ids=repr)
def test_impossible_epochs_are_not_usable(value: Any) -> None:
    assert event_time({"timestamp_epoch": value}) is None


def test_offsets_up_to_eighteen_hours_are_usable() -> None:
    assert event_time({"timestamp": "2026-11-24T18:00:00+18:00"}) == 1795478400.0
    assert event_time({"timestamp": "2026-11-24T00:00:00-18:00"}) == 1795543200.0
    assert parse_iso("2026-11-24T00:00:00-1800") is not None


def test_impossible_times_go_through_every_view(cli: Any, tmp_path: Path) -> None:
    good = make_event(event_uuid="good")
    bad = _bad_events()
    path = tmp_path / "times.json"
    path.write_text(json.dumps([*bad, good]), "utf-8")
    note = f"{len(bad)} events have no usable time; they are listed last"
    for view in VIEWS:
        result = cli("events", "--from-file", str(path), "--utc", "--color", "never", *view)
        assert result.exit_code == 0, (view, result.stderr)
        if view[0] != "--show":
            assert note in result.stderr
        if view[-1] == "json":
            assert json.loads(result.stdout) == [good, *bad]
        if view[-1] == "table":
            assert result.stdout.count("(no time)") == len(bad)
        if view[-1] == "timeline":
            assert f"{len(bad)} events, in the order received" in result.stdout
    since = cli("events", "--from-file", str(path), "--since", "2000-01-01", "--json")
    assert json.loads(since.stdout) == [good]  # no usable time: no time filter passes


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("text", [t for t in BAD_ISO if not t.startswith(("0001", "9999"))])
def test_the_same_times_given_to_since_and_until_exit_2(cli: Any, option: str, text: str) -> None:
    result = cli("events", "--demo", option, text)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {option}: {text!r} is not a possible date or time",
        "  months run 1-12, hours 0-23, and a UTC offset is at most ±18:00",
    ]


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+18:00", "9999-12-31T23:59:59-18:00", "0001-01-01", "9999999w"]
)
def test_times_off_the_calendar_exit_2(cli: Any, option: str, text: str) -> None:
    result = cli("events", "--demo", option, text)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"error: {option}: {text!r} is too far in time"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_too_deep_to_read_is_a_clear_error(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('[{"event": "x", "a": ' + _nested(100_000) + "}]", "utf-8")
    for view in VIEWS:
        result = cli("events", "--from-file", str(path), *view)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"error: {path} nests arrays and objects too deeply to read (more than 1,000 levels)",
            "  expected a saved show_events response: a JSON array of events (what --json "
            "writes), NDJSON, or a Postman collection with a saved response",
        ]


def test_deep_json_that_parses_goes_through_every_view(cli: Any, tmp_path: Path) -> None:
    deep: Any = "bottom"
    for level in range(800):
        deep = {"k\ud800": deep} if level % 2 else [deep]
    event = make_event(event_uuid="bad-time-1", nested=deep)
    path = tmp_path / "deep.json"
    path.write_text(json.dumps([event]), "ascii")
    # Past MAX_DEPTH the value is summarised in every view, and so for --grep: the event
    # is level 1 and `nested` level 2, so MAX_DEPTH - 1 of its containers stay (built
    # here from the top, apart from the code that cuts).
    kept: Any = TOO_DEEP
    for level in range(800 - (MAX_DEPTH - 1), 800):
        kept = {"k\ud800": kept} if level % 2 else [kept]
    summarised = {**event, "nested": kept}
    assert cut_deep(event) == summarised
    for view in [*VIEWS, ["--grep", "nested deeper than 100", "--view", "ndjson"]]:
        result = cli("events", "--from-file", str(path), "--color", "never", *view)
        assert result.exit_code == 0, (view, result.stderr)
        if view[-1] in ("json", "ndjson") or view[0] == "--show":
            shown = json.loads(result.stdout)
            assert shown == (summarised if "json" not in view[-1:] else [summarised])


@contextmanager
def _little_stack(frames: int) -> Iterator[None]:
    """Room for only `frames` more Python frames: an encoder runs out as it would far
    down a deep call stack."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _python_encode(value: Any) -> str:
    if isinstance(value, dict):
        items = (f"{json.dumps(k)}: {_python_encode(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_python_encode(v) for v in value) + "]"
    return json.dumps(value)


def test_an_encoder_out_of_stack_gets_a_copy_cut_at_max_depth() -> None:
    deep: Any = 1
    for _ in range(400):
        deep = {"a": [deep]}
    # An encoder that recurses in Python frames on every version: from 3.12 the C
    # encoder's depth no longer follows the recursion limit, so it cannot be made to run
    # out here, while the fallback is what matters.
    with _little_stack(600):  # the 800 levels need 1,600 frames; the cut copy 200
        text = encode_json(deep, _python_encode)
    value = json.loads(text)
    for _ in range(MAX_DEPTH // 2):
        value = value["a"][0]
    assert value == TOO_DEEP


def test_cut_deep_keeps_shallow_values_and_replaces_deep_containers() -> None:
    assert cut_deep([[5, {"a": [1]}], "s"], 2) == [[5, TOO_DEEP], "s"]
    assert cut_deep({"a": {"b": {}}}, 2) == {"a": {"b": TOO_DEEP}}
    assert cut_deep({"a": [1, [2]]}) == {"a": [1, [2]]}
    assert cut_deep("text") == "text"


def _stored_file() -> Path:
    [path] = (cache_dir() / "responses").glob(f"*/{CUSTOMER}.json")
    return path


def test_a_stored_response_too_deep_to_read_is_set_aside(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    assert cli("events", CUSTOMER, "--json").exit_code == 0
    path = _stored_file()
    head = path.read_text("utf-8").split('"events": ')[0]
    path.write_text(head + '"events": [{"a": ' + _nested(100_000) + "}]}\n", "utf-8")
    result = cli("events", CUSTOMER, "--offline", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        "a stored response was unreadable (arrays and objects nested too deeply to read)"
        in result.stderr
    )
    assert f"error: nothing is stored for customer {CUSTOMER}" in result.stderr


def test_a_stored_response_with_impossible_times_is_shown(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [*_bad_events(), make_event()]
    for args in (["--refresh"], ["--offline"]):
        result = cli("events", CUSTOMER, "--view", "table", "--color", "never", *args)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.count("(no time)") == len(_bad_events())


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300, -1e300])
def test_times_for_people_never_fail(value: float) -> None:
    # Stored and ledger times come from files a crash or an editor may have damaged.
    assert timefmt.clock(value) == "--:--"
    assert timefmt.iso_utc(value) is None
    assert timefmt.clock_and_wait(value, 0.0).startswith("--:-- (in ")
    if not math.isfinite(value):
        assert timefmt.ago(value) == "at an unknown time"
        assert timefmt.minutes_text(value) == "an unknown time"
