"""Renderers: data in, text out, on a given Console or as text chunks."""

from __future__ import annotations

import csv
import io
import json
from datetime import timezone
from typing import Any

import pytest
from rich.console import Console

from bsevents.app.demo import get_demo
from bsevents.errors import UsageProblem
from bsevents.model.events import STANDARD_FIELDS
from bsevents.model.fields import field_value, parse_fields, unknown_fields
from bsevents.views.csvout import csv_chunks, csv_columns
from bsevents.views.detail import render_detail
from bsevents.views.jsonout import json_chunks, ndjson_chunks
from bsevents.views.layout import Column, Grid, allocate, fit, wrap
from bsevents.views.table import render_table
from bsevents.views.timeline import format_gap, group_sessions, render_timeline
from tests.conftest import make_event

UTC = timezone.utc


def console(width: int = 100, color: bool = False) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        color_system="truecolor" if color else None,
        _environ={},
    )


def text_of(out: Console) -> str:
    file = out.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


# layout ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("abc", 5, "abc  "),
        ("abcdef", 4, "abc…"),
        ("abc", 3, "abc"),
        ("日本語", 5, "日本…"),  # wide characters count two cells
        ("日本語", 4, "日 …"),  # a wide character that would be cut becomes a space
        ("abc", 0, ""),
    ],
)
def test_fit_pads_or_cuts_to_exact_cells(text: str, width: int, expected: str) -> None:
    assert fit(text, width) == expected
    assert fit("ab", 4, "right") == "  ab"


def test_wrap_breaks_at_spaces_and_cuts_long_words() -> None:
    assert wrap("one two three", 7) == ["one two", "three"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap("", 4) == [""]


def test_allocate_narrows_the_widest_flexible_column_first() -> None:
    columns = [Column("a", fixed=True), Column("b", min_width=3), Column("c", min_width=3)]
    assert allocate([10, 5, 50], columns, 100, 2) == [10, 5, 50]
    assert allocate([10, 5, 50], columns, 40, 2) == [10, 5, 21]
    assert allocate([10, 30, 30], columns, 40, 2) == [10, 13, 13]
    # Below the minimums, the flexible columns give up more (widest first, to a
    # character and the ellipsis) before the grid crops the line.
    assert allocate([10, 30, 30], columns, 22, 2) == [10, 4, 4]
    assert allocate([10, 30, 40], columns, 19, 2) == [10, 2, 3]
    assert allocate([10, 30, 30], columns, 10, 2) == [10, 2, 2]


def test_a_narrow_timeline_cuts_summaries_never_the_id() -> None:
    # 50 columns hold every fixed column but not every minimum: the Id stays whole.
    events = [
        make_event(
            timestamp=f"2026-11-20T10:0{n}:00Z",
            event_uuid=f"aaaa000{n}-0000",
            url="/p/" + "x" * 40,
        )
        for n in range(3)
    ]
    out = console(width=50)
    render_timeline(out, events, title="t", tz=UTC)
    body = [line for line in text_of(out).splitlines() if line.startswith("   10:0")]
    assert len(body) == 3
    for n, line in enumerate(body):
        assert line.endswith(f"aaaa000{n}"), line
        assert len(line) <= 50


def test_grid_drops_optional_columns_before_starving_a_wanted_one() -> None:
    columns = [
        Column("wanted", want=20),
        Column("extra", optional=1),
        Column("spare", optional=2),
    ]
    rows: list[Any] = [[("w" * 30, None), ("e" * 10, None), ("s" * 10, None)]]
    shown, widths = Grid(columns, rows).layout(60)
    assert (shown, widths) == ([0, 1, 2], [30, 10, 10])
    shown, widths = Grid(columns, rows).layout(36)
    assert shown == [0, 1]  # `spare` went first
    assert widths == [24, 10]
    shown, _ = Grid(columns, rows).layout(22)
    assert shown == [0]


def test_grid_never_writes_past_the_width() -> None:
    out = console(width=30)
    columns = [Column("a", min_width=20, fixed=True), Column("b", min_width=20, fixed=True)]
    out.print(Grid(columns, [[("x" * 20, None), ("y" * 20, None)]]), crop=False)
    assert all(len(line) <= 30 for line in text_of(out).splitlines())
    assert "…" in text_of(out)


# table ----------------------------------------------------------------------------------


def demo() -> list[dict[str, Any]]:
    return get_demo().events


def test_table_rows_in_given_order_with_header_and_footer() -> None:
    out = console(width=120)
    events = demo()[:3]
    render_table(out, events, title="3 events", tz=UTC, footer_text="showing 3 of 35")
    lines = text_of(out).splitlines()
    assert lines[0] == "3 events"
    assert lines[1].split() == ["Time", "(UTC)", "Event", "Summary", "Browser", "Session", "Id"]
    assert set(lines[2].replace(" ", "")) == {"─"}
    assert lines[3].startswith("2026-11-24 19:02:11  pageload")
    assert lines[3].endswith("Safari 18 · iOS  6513270e  1818e811")
    assert lines[5].startswith("2026-11-24 19:04:04  view")
    assert "/p/trailblazer-gtx?color=teal product_id=TB-GTX-42 …" in lines[5]
    assert lines[-1] == "showing 3 of 35"
    assert not any(line.endswith(" ") for line in lines)


def test_table_in_local_time_says_which_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        out = console(width=120)
        render_table(out, demo()[:1], title="t")
        text = text_of(out)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert "Time (IST)" in text
    assert "2026-11-25 00:32:11" in text  # 19:02:11Z + 5:30


def test_local_zone_label_covers_a_daylight_saving_change(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    summer = make_event(event="summer", timestamp="2026-07-01T10:00:00Z", event_uuid="s")
    winter = make_event(event="winter", timestamp="2026-12-01T10:00:00Z", event_uuid="w")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        out = console(width=120)
        render_table(out, [summer, winter], title="t")
        text = text_of(out)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert "Time (CEST/CET)" in text
    assert "2026-07-01 12:00:00  summer" in text
    assert "2026-12-01 11:00:00  winter" in text


def test_table_colours_event_names_by_kind() -> None:
    out = console(width=120, color=True)
    by_name = {e["event"]: e for e in demo()}
    picked = [by_name[n] for n in ("identify", "pageload", "purchase", "apply_coupon")]
    render_table(out, picked, title="t", tz=UTC)
    text = text_of(out)
    assert "\x1b[35midentify" in text  # identity: magenta
    assert "\x1b[36mpageload" in text  # page: cyan
    assert "\x1b[32mpurchase" in text  # commerce: green
    assert "\x1b[33mapply_coupon" in text  # custom: yellow


def test_table_fields_show_dotted_paths_in_full() -> None:
    out = console(width=60)
    event = make_event(products=[{"sku": "A1"}, {"sku": "B2"}], long="word " * 30)
    render_table(out, [event], title="t", tz=UTC, fields=["products.1.sku", "long", "nope"])
    lines = text_of(out).splitlines()
    assert lines[1].split() == ["Time", "(UTC)", "products.1.sku", "long", "nope"]
    joined = " ".join(line[37:].strip() for line in lines[3:])
    assert "B2" in lines[3]
    assert joined.count("word") == 30  # wrapped over several lines, nothing cut
    assert "…" not in text_of(out)


def test_table_marks_highlighted_events_and_explains_the_marker() -> None:
    out = console(width=120)
    events = demo()[:3]
    render_table(out, events, title="t", tz=UTC, highlight=lambda e: e is events[1])
    lines = text_of(out).splitlines()
    assert lines[3].startswith("   2026-11-24 19:02:11")
    assert lines[4].startswith("●  2026-11-24 19:02:59")
    assert lines[-1] == "● new"


def test_table_shows_the_dashboard_link_as_a_hyperlink() -> None:
    url = "https://app.getblueshift.com/dashboard#/app/customer/abc/show/overview"
    out = console(width=120, color=True)
    render_table(out, demo()[:1], title="t", tz=UTC, dashboard_url=url)
    text = text_of(out)
    assert "\x1b]8;id=" in text
    assert f";{url}\x1b\\" in text
    plain = console(width=120)
    render_table(plain, demo()[:1], title="t", tz=UTC, dashboard_url=url)
    assert text_of(plain).splitlines()[1] == f"dashboard {url}"


def test_a_dashboard_url_with_control_characters_is_never_a_link() -> None:
    url = "https://evil.example/\x1b]52;c;AAAA\x07"
    out = console(width=120, color=True)
    render_table(out, demo()[:1], title="t", tz=UTC, dashboard_url=url)
    text = text_of(out)
    assert "\x1b]8" not in text
    assert "\x1b]52" not in text
    assert "␛]52;c;AAAA␇" in text


def test_table_with_no_events() -> None:
    out = console()
    render_table(out, [], title="0 events", footer_text="0 of 35 events match")
    assert text_of(out) == "0 events\nno events to show\n0 of 35 events match\n"


# timeline -------------------------------------------------------------------------------


def test_sessions_split_on_session_change_and_on_gaps_over_30_minutes() -> None:
    events = [
        make_event(session_uuid="a", timestamp="2026-11-24T10:00:00Z"),
        make_event(session_uuid="a", timestamp="2026-11-24T10:29:59Z"),
        make_event(session_uuid="a", timestamp="2026-11-24T11:00:00Z"),  # gap 30m01s
        make_event(session_uuid="b", timestamp="2026-11-24T11:01:00Z"),
        make_event(session_uuid=None, timestamp="2026-11-24T11:02:00Z"),
        make_event(session_uuid=None, timestamp="2026-11-24T11:03:00Z"),
        make_event(session_uuid="b", timestamp="garbage"),
    ]
    sessions = group_sessions(events)
    assert [(s.key, len(s.events)) for s in sessions] == [
        ("a", 2),
        ("a", 1),
        ("b", 1),
        (None, 2),
        (None, 1),  # the untimed group, last
    ]
    assert sessions[0].duration == 29 * 60 + 59
    assert sessions[-1].start is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "+0s"),
        (0.4, "+0.4s"),
        (12, "+12s"),
        (192, "+3m12s"),
        (7500, "+2h05m"),
        (3 * 86400 + 4 * 3600 + 5, "+3d04h"),
    ],
)
def test_format_gap(seconds: float, text: str) -> None:
    assert format_gap(seconds) == text


def test_timeline_groups_days_and_sessions_with_gaps() -> None:
    out = console(width=100)
    render_timeline(out, demo(), title="35 events", tz=UTC, footer_text=None)
    lines = text_of(out).splitlines()
    assert lines[:6] == [
        "35 events",
        "",
        "Tuesday 24 November 2026 (UTC)",
        "▸ session 6513270e  19:02:11 · 11m17s · 10 events · Safari 18 · iOS",
        "   19:02:11           pageload               /" + " " * 46 + "1818e811",
        "   19:02:59     +48s  pageload               /c/running-shoes" + " " * 31 + "36f675cc",
    ]
    assert "▸ session 907a70c3  13:11:06 · 5m10s · 3 events · Chrome 131 · macOS" in lines
    assert (
        "   13:11:06  +41m00s  pageload               /help/delivery-times" + " " * 27 + "f0ce5835"
    ) in lines
    assert "▸ no session id  10:24:17 · 0s · 1 event" in lines
    assert lines.count("Wednesday 25 November 2026 (UTC)") == 1


def test_timeline_reversed_puts_the_newest_first_with_forward_gaps() -> None:
    out = console(width=100)
    events = demo()[-4:]
    render_timeline(out, events, title="t", tz=UTC, reverse=True)
    lines = [line for line in text_of(out).splitlines() if line.startswith("   ")]
    assert lines[0].startswith("   10:24:17  +2h15m  cart_abandoned")
    assert lines[-1].startswith("   08:08:25          view")


def test_timeline_lists_untimed_events_last_and_marks_new_ones() -> None:
    out = console(width=100)
    events = [
        make_event(event="a", timestamp="2026-11-24T10:00:00Z", event_uuid="a"),
        make_event(event="b", timestamp="nope", event_uuid="b"),
    ]
    render_timeline(out, events, title="t", tz=UTC, highlight=lambda e: e["event"] == "b")
    text = text_of(out)
    assert "Without a usable time\n1 event, in the order received\n●" in text
    assert text.splitlines()[-2:] == [
        "● new",
        "? time in doubt: timestamp is not a time, or timestamp_epoch disagrees with it; "
        "--show ID says which",
    ]


# machine formats ------------------------------------------------------------------------


def test_json_keeps_objects_and_key_order_one_per_line() -> None:
    events = [{"b": 1, "a": [1.5, None]}, {"z": "é\u202e"}]
    text = "".join(json_chunks(events))
    assert text == '[\n{"b": 1, "a": [1.5, null]},\n{"z": "é\\u202e"}\n]\n'
    assert json.loads(text) == events
    assert "".join(json_chunks([])) == "[]\n"
    assert json.loads("".join(json_chunks(events, pretty=True))) == events


def test_json_chunks_join_to_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import bsevents.views.jsonout as jsonout

    monkeypatch.setattr(jsonout, "_CHUNK", 10)
    events = [{"n": i} for i in range(50)]
    chunks = list(json_chunks(events))
    assert len(chunks) > 5
    assert json.loads("".join(chunks)) == events


def test_ndjson_is_one_object_per_line() -> None:
    events = [{"a": 1}, {"b": "x\ny"}]
    text = "".join(ndjson_chunks(events))
    assert text == '{"a": 1}\n{"b": "x\\ny"}\n'
    assert "".join(ndjson_chunks([])) == ""


def test_csv_has_standard_fields_then_custom_keys_sorted() -> None:
    events = [
        make_event(zeta=1, alpha={"x": [1, None]}),
        make_event(beta=True, alpha=None, session_uuid=None),
    ]
    assert csv_columns(events) == [*STANDARD_FIELDS, "alpha", "beta", "zeta"]
    rows = list(csv.reader(io.StringIO("".join(csv_chunks(events)))))
    header = rows[0]
    assert header == [*STANDARD_FIELDS, "alpha", "beta", "zeta"]
    first = dict(zip(header, rows[1], strict=True))
    assert first["alpha"] == '{"x": [1, null]}'
    assert first["zeta"] == "1"
    assert first["event"] == "pageload"
    assert first["ip"] == ""
    second = dict(zip(header, rows[2], strict=True))
    assert (second["beta"], second["alpha"], second["session_uuid"]) == ("true", "", "")


def test_csv_with_fields_uses_those_columns() -> None:
    events = [make_event(products=[{"sku": "A,1"}])]
    text = "".join(csv_chunks(events, ["event", "products.0.sku", "missing"]))
    assert text == 'event,products.0.sku,missing\npageload,"A,1",\n'


def test_csv_column_order_is_stable_whatever_the_event_order() -> None:
    one = [make_event(b=1), make_event(a=2)]
    assert csv_columns(one) == csv_columns(list(reversed(one)))


# fields ---------------------------------------------------------------------------------


def test_field_paths() -> None:
    event = {"a.b": 1, "a": {"b": 2, "c": [{"d": 3}]}, "n": None}
    assert field_value(event, "a.b") == 1  # a key with a dot wins
    assert field_value(event, "a.c.0.d") == 3
    assert field_value(event, "a.c.5.d") is None
    assert field_value(event, "n") is None
    assert unknown_fields([event], ["a.c", "nope", "n"]) == ["nope"]
    assert parse_fields(" event , url,event ") == ["event", "url"]
    with pytest.raises(UsageProblem):
        parse_fields(",")
    with pytest.raises(UsageProblem, match="empty name"):
        parse_fields("a,,b")


# one event ------------------------------------------------------------------------------


def test_detail_is_highlighted_json_of_every_field() -> None:
    event = make_event(revenue="31.24", nested={"k": [1, True]}, evil="\x1b[2J[bold]x")
    out = console(width=100, color=True)
    render_detail(out, event)
    text = text_of(out)
    assert "\x1b[" in text  # highlighted
    assert "\x1b[2J" not in text
    plain = console(width=100)
    render_detail(plain, event)
    assert json.loads(text_of(plain)) == event
    assert "[bold]x" in text_of(plain)
