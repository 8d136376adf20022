"""The table view: one row per event, for reading on a terminal.

Rows are laid out by `layout.Grid`, which renders 10,000 rows in a fraction of the time
rich's Table takes; see the benchmarks in the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timezone

from rich.console import Console

from bsevents.model.events import Event
from bsevents.model.fields import field_value
from bsevents.model.ids import ShortIds
from bsevents.views.common import (
    BOLD,
    DIM,
    KIND_STYLE_OBJECTS,
    KIND_STYLES,
    MARK,
    MARK_STYLE,
    Clock,
    HighlightFn,
    add_doubts,
    add_flags,
    cell,
    empty_view,
    event_name,
    footer,
    heading,
    id_text,
    legend,
    once_each,
    zone_label,
)
from bsevents.views.layout import Column, Grid, Span
from bsevents.views.summary import (
    browser,
    kind_of,
    short_session,
    summary,
    typed_text,
)

__all__ = ["KIND_STYLES", "render_table", "zone_label"]


def _name_cell(event: Event) -> Span:
    return event_name(event), KIND_STYLE_OBJECTS[kind_of(event.get("event"))]


def _field_cell(event: Event, path: str) -> Span:
    if path == "event" and isinstance(event.get("event"), str):
        return cell(event["event"], None), KIND_STYLE_OBJECTS[kind_of(event["event"])]
    value = field_value(event, path)
    # Asked for by name, so shown in full: the grid wraps it instead of cutting it.
    return ("" if value is None else cell(typed_text(value), None)), None


def render_table(
    console: Console,
    events: Sequence[Event],
    *,
    title: str,
    tz: timezone | None = None,
    fields: Sequence[str] | None = None,
    footer_text: str | None = None,
    highlight: HighlightFn | None = None,
    dashboard_url: str | None = None,
    flagged: HighlightFn | None = None,
    ids: ShortIds | None = None,
) -> None:
    """Print `events` as a table on `console`, in the order given, each event_uuid once.

    `fields` replaces the default columns (summary, browser, session) by the named
    top-level keys or dotted paths, shown in full. `highlight` marks the events for which
    it returns True with a `●` (new since the last fetch, say). `dashboard_url` is shown
    under the title, as a hyperlink where the terminal supports them. `flagged` marks
    with `!`, in a first column of its own, the events it returns True for (lint findings).
    A time in doubt gets a `?` beside it. `ids` gives the Id column (unique prefixes
    within the whole response; by default within `events`).
    """
    heading(console, title, dashboard_url)
    if not events:
        empty_view(console, footer_text)
        return
    ids = ids if ids is not None else ShortIds.of(events)
    if not fields:  # where the Id column can say `×2`
        events = once_each(events)
    clock = Clock(tz)
    columns: list[Column] = []
    columns.append(
        Column(f"Time ({zone_label(tz, events)})", min_width=19, fixed=True, header_style=BOLD)
    )
    rows: list[list[Span]] = []
    if fields:
        columns.extend(
            Column(cell(f, None), min_width=min(len(f), 24), wrap=True, header_style=BOLD)
            for f in fields
        )
        for event in events:
            rows.append(
                [(clock.full(clock.moment(event)), DIM)] + [_field_cell(event, f) for f in fields]
            )
    else:
        columns.extend(
            [
                Column("Event", min_width=8, max_width=24, header_style=BOLD),
                Column("Summary", min_width=16, header_style=BOLD, want=40),
                Column("Browser", min_width=7, max_width=22, header_style=BOLD, optional=2),
                Column(
                    "Session", min_width=8, max_width=8, fixed=True, header_style=BOLD, optional=1
                ),
                # What --show takes: never dropped, so it is the last column to give way.
                Column("Id", min_width=8, fixed=True, header_style=BOLD),
            ]
        )
        for event in events:
            rows.append(
                [
                    (clock.full(clock.moment(event)), DIM),
                    _name_cell(event),
                    (cell(summary(event)), None),
                    (cell(browser(event)), None),
                    (cell(short_session(event)), DIM),
                    (id_text(ids, event), DIM),
                ]
            )
    doubted = add_doubts(columns, rows, events, 1)  # beside the time
    marks: list[bool] = []
    if highlight is not None:
        marks = [bool(highlight(e)) for e in events]
        columns.insert(0, Column("", min_width=1, fixed=True))
        for row, marked in zip(rows, marks, strict=True):
            row.insert(0, (MARK, MARK_STYLE) if marked else (" ", None))
    if flagged is not None:
        add_flags(columns, rows, events, flagged)
    console.print(Grid(columns, rows, rule_style=DIM), crop=False)
    shown_ids = None if fields else ids
    footer(
        console,
        footer_text,
        legend(events, new=any(marks), flagged=flagged is not None, doubted=doubted, ids=shown_ids),
    )
