"""Issue 20, "answers you can trust, part two", through the installed console script: a
broken timestamp is marked, never silently replaced; ids are unique; types are visible;
lint reads at 80 columns; a double send counts once; one event-name rule."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests.conftest import make_event
from tests.ptyrun import run_on_pty
from tests.script import SCRIPT
from tests.standin import StandIn

RUDDERSTACK = (
    "RudderStack's Blueshift destination refuses a name with a period, a digit or more than "
    "64 characters, and sends white space as _ "
    "(rudder-transformer, src/v0/destinations/blueshift/transform.js)"
)
DOUBT_LEGEND = (
    "? time in doubt: timestamp is not a time, or timestamp_epoch disagrees with it; "
    "--show ID says which"
)
FLAG_LEGEND = "! lint finding: bsevents lint lists them, --show ID one event's"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def saved(tmp_path: Path, events: list[dict[str, Any]], name: str = "events.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(events), "utf-8")
    return str(path)


def rows(stdout: str, marker: str) -> list[str]:
    return [line for line in stdout.splitlines() if marker in line]


# 1. a broken timestamp is sorted by its fallback and marked ------------------------------

BROKEN = [
    make_event(
        event="purchase",
        event_uuid="a1000000-0000-4000-8000-000000000001",
        timestamp="2026-13-01T10:00:00Z",
        _bsft_ts="2026-01-10T10:00:05Z",
    ),
    make_event(
        event="purchase",
        event_uuid="b2000000-0000-4000-8000-000000000002",
        timestamp="01/12/2026 09:00",
        _bsft_ts="2026-01-12T09:00:05Z",
    ),
    make_event(
        event="purchase",
        event_uuid="c3000000-0000-4000-8000-000000000003",
        timestamp="2026-01-11T10:00:00Z",
        _bsft_ts="2026-01-11T10:00:05Z",
    ),
]


def test_a_broken_timestamp_is_marked_in_the_table_and_timeline(tmp_path: Path) -> None:
    path = saved(tmp_path, BROKEN)
    table = run("events", "-f", path, "--view", "table", "--utc", "--color", "never")
    assert table.returncode == 0, table.stderr
    assert [row[:26] for row in rows(table.stdout, "purchase")] == [
        "!  2026-01-10 10:00:05  ? ",  # by _bsft_ts, in doubt
        "   2026-01-11 10:00:00    ",
        "!  2026-01-12 09:00:05  ? ",
    ]
    assert table.stdout.splitlines()[-2:] == [FLAG_LEGEND, DOUBT_LEGEND]
    timeline = run("events", "-f", path, "--view", "timeline", "--utc", "--color", "never")
    assert [row[:18] for row in rows(timeline.stdout, "purchase")] == [
        "!     10:00:05  ? ",
        "      10:00:00    ",
        "!     09:00:05  ? ",
    ]
    assert timeline.stdout.splitlines()[-1] == DOUBT_LEGEND


def test_lint_names_the_broken_value_and_the_fallback(tmp_path: Path) -> None:
    path = saved(tmp_path, BROKEN)
    done = run("lint", "-f", path, "--strict")
    assert done.returncode == 6
    assert [
        (f["rule"], f["severity"], f["path"], f["message"]) for f in json.loads(done.stdout)
    ] == [
        (
            "bad-time",
            "error",
            "timestamp",
            'timestamp "2026-13-01T10:00:00Z" is not a time; the event is placed by _bsft_ts, '
            "2026-01-10T10:00:05Z, instead; expected an ISO 8601 timestamp",
        ),
        (
            "bad-time",
            "error",
            "timestamp",
            'timestamp "01/12/2026 09:00" is not a time; the event is placed by _bsft_ts, '
            "2026-01-12T09:00:05Z, instead; expected an ISO 8601 timestamp",
        ),
    ]
    shown = run("events", "-f", path, "--show", "a1000000")
    assert shown.returncode == 0
    assert shown.stderr == (
        'warning: lint bad-time (error) at timestamp: timestamp "2026-13-01T10:00:00Z" is not a '
        "time; the event is placed by _bsft_ts, 2026-01-10T10:00:05Z, instead; expected an "
        "ISO 8601 timestamp\n"
    )


def test_blueshifts_postman_example_is_a_bad_time(tmp_path: Path) -> None:
    # The published example: a stray quote and comma, and timestamp_epoch "string".
    example = make_event(
        event="identify",
        timestamp='2021-06-24T04:53:54Z",',
        timestamp_epoch="string",
        _bsft_ts="2021-08-25T06:06:59.415Z",
    )
    done = run("lint", "-f", saved(tmp_path, [example]))
    assert done.returncode == 6
    found = [f for f in json.loads(done.stdout) if f["rule"] == "bad-time"]
    assert [(f["path"], f["timestamp"], f["message"]) for f in found] == [
        (
            "timestamp",
            "2021-08-25T06:06:59Z",
            'timestamp "2021-06-24T04:53:54Z\\"," is not a time; the event is placed by '
            "_bsft_ts, 2021-08-25T06:06:59Z, instead; expected an ISO 8601 timestamp",
        )
    ]


def test_a_timestamp_epoch_a_minute_off_is_a_bad_time(tmp_path: Path) -> None:
    stamp, epoch = "2026-01-11T10:00:00Z", 1768125600
    events = [
        make_event(event_uuid="e1", timestamp=stamp, timestamp_epoch=epoch + 3600, n=1),
        make_event(event_uuid="e2", timestamp=stamp, timestamp_epoch=epoch + 30, n=2),
        make_event(event_uuid="e3", timestamp=stamp, timestamp_epoch=(epoch - 300) * 1000, n=3),
    ]
    done = run("lint", "-f", saved(tmp_path, events))
    found = [(f["event_uuid"], f["path"], f["message"]) for f in json.loads(done.stdout)]
    assert found == [
        (
            "e1",
            "timestamp_epoch",
            "timestamp_epoch 1768129200 is 60 min after the timestamp; the event is placed by "
            "timestamp; expected both to name the same moment",
        ),
        (
            "e3",
            "timestamp_epoch",
            "timestamp_epoch 1768125300000 is 5 min before the timestamp; the event is placed "
            "by timestamp; expected both to name the same moment",
        ),
    ]


# 3. ids unique within the response -------------------------------------------------------

IDS = [f"7e570000-{n}aaa-4000-8000-00000000000{n}" for n in range(1, 9)]


def _crowded() -> list[dict[str, Any]]:
    events = [
        make_event(event="view", event_uuid=uuid, timestamp=f"2026-01-11T10:0{n}:00Z")
        for n, uuid in enumerate(IDS)
    ]
    events.append(dict(events[2]))  # sent twice
    events.append(
        make_event(
            event="login", event_uuid="34abcd-efghijkj-1234kf", timestamp="2026-01-11T11:00:00Z"
        )
    )
    return events


def test_the_id_column_is_unique_and_a_double_send_shows_once(tmp_path: Path) -> None:
    path = saved(tmp_path, _crowded())
    for view in ("table", "timeline"):
        done = run("events", "-f", path, "--view", view, "--utc", "--color", "never")
        assert done.returncode == 0, done.stderr
        ids = [
            row.split()[-1] if "×" not in row else " ".join(row.split()[-2:])
            for row in rows(done.stdout, " view ") + rows(done.stdout, " login ")
        ]
        assert ids == [
            "7e570000-1",
            "7e570000-2",
            "7e570000-3 ×2",
            "7e570000-4",
            "7e570000-5",
            "7e570000-6",
            "7e570000-7",
            "7e570000-8",
            "34abcd-e",
        ], view
        assert (
            "×2 2 events with this event_uuid, --show ID lists them; copies of one event, "
            "a double send, are shown once"
        ) in done.stdout.splitlines()


def test_an_ambiguous_prefix_lists_each_uuid_once_in_columns(tmp_path: Path) -> None:
    events = _crowded()
    events[4]["event"] = "add_to_cart"
    done = run("events", "-f", saved(tmp_path, events), "--show", "7E570000", "--utc")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "error: 8 event_uuids start with '7e570000'",
        "  give more of it; the candidates:",
        f"  2026-01-11 10:00:00  view         {IDS[0]}",
        f"  2026-01-11 10:01:00  view         {IDS[1]}",
        f"  2026-01-11 10:02:00  view         {IDS[2]}  ×2",
        f"  2026-01-11 10:03:00  view         {IDS[3]}",
        f"  2026-01-11 10:04:00  add_to_cart  {IDS[4]}",
        f"  2026-01-11 10:05:00  view         {IDS[5]}",
        f"  2026-01-11 10:06:00  view         {IDS[6]}",
        f"  2026-01-11 10:07:00  view         {IDS[7]}",
    ]
    assert run("events", "-f", saved(tmp_path, events), "--show", "7e570000-4").returncode == 0


# 4. types visible --------------------------------------------------------------------------

TYPED = [
    make_event(
        event="purchase",
        event_uuid="p1",
        timestamp="2026-01-11T10:00:00Z",
        price="45.00",
        revenue="12.50",
    ),
    make_event(
        event="purchase", event_uuid="p2", timestamp="2026-01-11T10:05:00Z", price=49.5, revenue=30
    ),
    make_event(
        event="signup",
        event_uuid="p3",
        timestamp="2026-01-11T10:06:00Z",
        plan="pro",
        paid="true",
        note="null",
    ),
]


def test_a_string_that_reads_as_a_number_is_quoted(tmp_path: Path) -> None:
    path = saved(tmp_path, TYPED)
    table = run("events", "-f", path, "--view", "table", "--utc", "--color", "never")
    first, second, third = (" ".join(row.split()) for row in rows(table.stdout, "2026-01-11"))
    assert first.endswith('purchase revenue="12.50" price="45.00" p1')
    assert second.endswith("purchase revenue=30 price=49.5 p2")
    assert third.endswith('signup plan=pro paid="true" note="null" p3')
    timeline = run("events", "-f", path, "--view", "timeline", "--utc", "--color", "never")
    assert 'revenue="12.50" price="45.00"' in timeline.stdout
    assert "revenue=30 price=49.5" in timeline.stdout
    fields = run("events", "-f", path, "--view", "table", "--fields", "price,plan", "--utc")
    assert [row.split()[-1] for row in rows(fields.stdout, "2026-01-11")] == [
        '"45.00"',
        "49.5",
        "pro",
    ]


# 6. lint at 80 columns, and 7. a double send counts once ---------------------------------

DOUBLE = [
    make_event(event="purchase", event_uuid="d1", timestamp="2026-01-11T10:00:00Z", price="45.00"),
    make_event(event="purchase", event_uuid="d2", timestamp="2026-01-11T10:05:00Z", price=49.5),
    make_event(
        event="purchase",
        event_uuid="d3",
        timestamp="2026-01-11T10:10:00Z",
        price=40,
        sku="undefined",
        coupon="null",
        order_id="NaN",
        note="None",
    ),
]
DOUBLE.append(dict(DOUBLE[2]))


def test_a_double_send_counts_once_in_lint(tmp_path: Path) -> None:
    done = run("lint", "-f", saved(tmp_path, DOUBLE))
    found = [(f["rule"], f["event_uuid"], f["path"]) for f in json.loads(done.stdout)]
    assert found == [
        ("duplicate-uuid", "d3", "event_uuid"),
        ("type-drift", "d1", "price"),
        ("placeholder-value", "d3", "sku"),
        ("placeholder-value", "d3", "coupon"),
        ("placeholder-value", "d3", "order_id"),
        ("placeholder-value", "d3", "note"),
    ]
    drift = json.loads(done.stdout)[1]["message"]
    assert drift == (
        'price is a string here but a number in 2 other "purchase" events; expected one type'
    )
    assert done.stderr.splitlines()[-1] == "1 error, 5 warnings in 4 events"


def test_lint_reads_in_full_at_80_columns(tmp_path: Path) -> None:
    events = [
        *DOUBLE,
        make_event(event="checkout_step_2", event_uuid="d5", timestamp="2026-01-11T11:00:00Z"),
    ]
    path = saved(tmp_path, events)
    messages = [f["message"] for f in json.loads(run("lint", "-f", path).stdout)]
    done = run_on_pty("lint", "-f", path, "--color", "never", "--utc", columns=80)
    assert done.returncode == 6
    lines = done.output.replace("\r\n", "\n").splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    assert "…" not in done.output
    # Each finding is a block: a heading line, then its message wrapped under it.
    flowing = " ".join(line.strip() for line in lines)
    for message in messages:
        assert message in flowing
    # The heading, wrapped at 80 columns (at spaces, and the long path folded), ends
    # with the zone of the times below it.
    heading = "".join(lines[: lines.index("")]).replace(" ", "")
    assert heading.endswith(f"{path}·timesinUTC".replace(" ", "")), heading
    assert lines.count("error  duplicate-uuid  2026-01-11 10:10:00  purchase  d3 ×2") == 1
    assert sum(line.startswith("warning  placeholder-value") for line in lines) == 4
    assert lines[-1] == "1 error, 6 warnings in 5 events"


# 7. the smaller things ------------------------------------------------------------------------


def test_a_mistyped_setting_gets_a_suggestion() -> None:
    done = run("config", "set", "regoin", "eu")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[0] == "error: unknown setting 'regoin' (did you mean 'region'?)"


def test_the_footer_reads_as_words_and_the_legend_stands_alone(tmp_path: Path) -> None:
    events = [
        make_event(event="view", event_uuid=f"v{n:02}", timestamp=f"2026-01-11T10:{n:02}:00Z")
        for n in range(24)
    ]
    events += [
        make_event(
            event="purchase", event_uuid=f"p{n}", timestamp=f"2026-01-11T11:0{n}:00Z", sku=sku
        )
        for n, sku in enumerate(["A1", "A2", "undefined", "A4"])
    ]
    path = saved(tmp_path, events)
    done = run("events", "-f", path, "--view", "table", "-t", "purchase", "-n", "2", "--utc")
    assert done.stdout.splitlines()[-2:] == [
        "showing 2 of 4 matching events, 28 in all",
        FLAG_LEGEND,
    ]


def test_top_level_help_never_cuts_a_summary() -> None:
    for columns in ("60", "80", "100"):
        done = run("--help", COLUMNS=columns)
        assert done.returncode == 0, done.stderr
        commands = done.stdout.split("Commands:")[1].split("\n\n")[0]
        assert "..." not in commands
        assert "against built-in rules and a tracking plan." in " ".join(commands.split())


def test_send_and_lint_apply_one_event_name_rule(
    tmp_path: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", "test-event-key-fedcba9876543210")
    refused = run("send", "checkout_step_2", "--email", "m@x.io")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"error: event name 'checkout_step_2' has a digit: {RUDDERSTACK}",
        "  rename it (add_to_cart), or add --force to send it anyway",
    ]
    assert run("send", "purchase$", "--email", "m@x.io").returncode == 0
    assert run("send", "checkout_step_2", "--email", "m@x.io", "--force").returncode == 0
    control = run("send", "sign\x01up", "--email", "m@x.io", "--force")
    assert control.returncode == 2
    assert "has a control character, which is never sent" in control.stderr
    assert [json.loads(r.body)["event"] for r in standin.event_requests()] == [
        "purchase$",
        "checkout_step_2",
    ]
    events = [
        make_event(event="checkout_step_2", event_uuid="n1"),
        make_event(event="purchase$", event_uuid="n2"),
        make_event(event="sign\x01up", event_uuid="n3"),
    ]
    linted = json.loads(run("lint", "-f", saved(tmp_path, events)).stdout)
    assert [(f["event_uuid"], f["message"]) for f in linted] == [
        ("n1", f'the name "checkout_step_2" has a digit; {RUDDERSTACK}'),
        ("n3", f'the name "sign\\u0001up" has a control character; {RUDDERSTACK}'),
    ]
