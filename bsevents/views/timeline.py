"""The timeline view: events grouped by day and by session, with the gaps between them.

`group_sessions` is pure (events in, sessions out); `render_timeline` draws them. A
session is a run of events with the same `session_uuid` and no gap over 30 minutes
between neighbours (the usual web-analytics rule, and what Blueshift's null session ids
need). Each session sits under the day it started.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from rich.console import Console
from rich.style import Style

from bsevents.model.event_time import event_time
from bsevents.model.events import Event
from bsevents.model.ids import ShortIds
from bsevents.model.words import counted
from bsevents.views.common import (
    DIM,
    KIND_STYLE_OBJECTS,
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
from bsevents.views.layout import Column, Grid, Line, Span
from bsevents.views.summary import browser, kind_of, summary

SESSION_GAP = 30 * 60  # seconds
DAY_STYLE = Style(bold=True, underline=True)
SESSION_STYLE = Style(color="blue", bold=True)


@dataclass
class Session:
    """Consecutive events of one visit. `key` is the session_uuid (None when absent)."""

    key: str | None
    events: list[Event] = field(default_factory=list)
    times: list[float | None] = field(default_factory=list)

    @property
    def start(self) -> float | None:
        return self.times[0] if self.times else None

    @property
    def end(self) -> float | None:
        timed = [t for t in self.times if t is not None]
        return timed[-1] if timed else None

    @property
    def duration(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return self.end - self.start

    def browser(self) -> str:
        """The most common browser of the session's events (the first when tied)."""
        seen = Counter(b for b in (browser(e) for e in self.events) if b)
        return seen.most_common(1)[0][0] if seen else ""


def _session_key(event: Event) -> str | None:
    value = event.get("session_uuid")
    if value in (None, ""):
        return None
    return value if isinstance(value, str) else repr(value)


def group_sessions(events: Sequence[Event], gap: float = SESSION_GAP) -> list[Session]:
    """Split oldest-first events into sessions: a new one at each change of session_uuid
    or gap over `gap` seconds. Events with no usable time form one last group."""
    sessions: list[Session] = []
    untimed = Session(key=None)
    previous: float | None = None
    for event in events:
        moment = event_time(event)
        if moment is None:
            untimed.events.append(event)
            untimed.times.append(None)
            continue
        key = _session_key(event)
        current = sessions[-1] if sessions else None
        if current is None or current.key != key or previous is None or moment - previous > gap:
            current = Session(key=key)
            sessions.append(current)
        current.events.append(event)
        current.times.append(moment)
        previous = moment
    if untimed.events:
        sessions.append(untimed)
    return sessions


def format_gap(seconds: float) -> str:
    """`+0.4s`, `+12s`, `+3m12s`, `+2h05m`, `+3d04h`."""
    if seconds < 0:
        return "-" + format_gap(-seconds)[1:]
    if seconds < 1:
        return "+0s" if seconds == 0 else f"+{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"+{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"+{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"+{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"+{days}d{hours:02d}h"


def format_duration(seconds: float) -> str:
    """A session's length: `0s`, `45s`, `7m05s`, `1h12m`."""
    return format_gap(seconds)[1:]


def _day_label(moment: datetime) -> str:
    return moment.strftime("%A %d %B %Y")


def render_timeline(
    console: Console,
    events: Sequence[Event],
    *,
    title: str,
    tz: timezone | None = None,
    footer_text: str | None = None,
    reverse: bool = False,
    highlight: HighlightFn | None = None,
    dashboard_url: str | None = None,
    flagged: HighlightFn | None = None,
    ids: ShortIds | None = None,
) -> None:
    """Print oldest-first `events` as a timeline on `console` (newest first with
    `reverse`), each event_uuid once. Each line holds the time, the gap since the
    previous event, the event and its summary; each session opens with its start,
    duration, count and browser. `highlight` marks events with a `●`; `dashboard_url`
    goes under the title; `flagged` marks events with `!` in a first column of its own;
    a time in doubt gets a `?`; `ids` gives the id column (as in the table)."""
    heading(console, title, dashboard_url)
    if not events:
        empty_view(console, footer_text)
        return
    ids = ids if ids is not None else ShortIds.of(events)
    events = once_each(events)
    clock = Clock(tz)
    sessions = group_sessions(events)
    gaps = _gaps(sessions)
    if reverse:
        sessions.reverse()
    marked = False
    items: list[list[Span] | Line] = []
    day = None
    zone = zone_label(tz, events)
    for session in sessions:
        start = session.start
        if start is not None:
            started = clock.at(start)
            if started.date() != day:
                day = started.date()
                items.append(Line([]))
                items.append(Line([(f"{_day_label(started)} ({zone})", DAY_STYLE)]))
            elif items:
                items.append(Line([]))
            header = _session_header(session, started)
        else:
            items.append(Line([]))
            items.append(Line([("Without a usable time", DAY_STYLE)]))
            n = len(session.events)
            header = [(f"{counted(n, 'event')}, in the order received", DIM)]
        items.append(Line(header))
        pairs = list(zip(session.events, session.times, strict=True))
        if reverse:
            pairs.reverse()
        for event, moment in pairs:
            name = event.get("event")
            is_new = bool(highlight(event)) if highlight is not None else False
            marked = marked or is_new
            gap = gaps.get(id(event))
            items.append(
                [
                    # The marker sits in the indent under the session heading.
                    (MARK, MARK_STYLE) if is_new else (" ", None),
                    ("" if moment is None else clock.at(moment).strftime("%H:%M:%S"), DIM),
                    ("" if gap is None else format_gap(gap), DIM),
                    (event_name(event), KIND_STYLE_OBJECTS[kind_of(name)]),
                    (cell(summary(event)), None),
                    (id_text(ids, event), DIM),
                ]
            )
    columns = [
        Column("", min_width=1, fixed=True),
        Column("time", min_width=8, fixed=True),
        Column("gap", min_width=3, max_width=8, fixed=True, justify="right"),
        Column("event", min_width=8, max_width=24),
        Column("summary", min_width=16),
        Column("id", min_width=8, fixed=True),
    ]
    # Rows are in session order, each session's events reversed with the sessions.
    shown = [e for s in sessions for e in (s.events[::-1] if reverse else s.events)]
    rows = [i for i in items if isinstance(i, list)]
    doubted = add_doubts(columns, rows, shown, 2)  # beside the time
    if flagged is not None:
        add_flags(columns, rows, shown, flagged)
    console.print(Grid(columns, items, header=False), crop=False)
    footer(
        console,
        footer_text,
        legend(shown, new=marked, flagged=flagged is not None, doubted=doubted, ids=ids),
    )


def _gaps(sessions: Sequence[Session]) -> dict[int, float]:
    """Seconds since the previous timed event, by id(event), in time order."""
    out: dict[int, float] = {}
    previous: float | None = None
    for session in sessions:
        for event, moment in zip(session.events, session.times, strict=True):
            if moment is None:
                continue
            if previous is not None:
                out[id(event)] = moment - previous
            previous = moment
    return out


def _session_header(session: Session, started: datetime) -> list[Span]:
    label = f"session {cell(session.key)[:8]}" if session.key else "no session id"
    parts = [
        started.strftime("%H:%M:%S"),
        format_duration(session.duration),
        counted(len(session.events), "event"),
    ]
    seen = session.browser()
    if seen:
        parts.append(cell(seen))
    # Spaces as their own span: an SVG export places each span at its own position.
    return [(f"▸ {label}", SESSION_STYLE), ("  ", None), (" · ".join(parts), None)]
