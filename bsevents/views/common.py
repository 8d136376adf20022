"""What the table and the timeline share: styles, safe cell text, times, heading, footer.

Every string from an event passes through `cell()`, which replaces
control characters and bidirectional overrides with visible placeholders. Text reaches
rich as `Text` or as segments, never as markup, so `[bold red]` in data stays literal.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone

from rich.console import Console
from rich.style import Style
from rich.text import Text

from bsevents.model.event_time import event_time, time_doubt
from bsevents.model.events import Event
from bsevents.model.ids import ShortIds, copy_key, shown_uuid
from bsevents.model.json_text import encode_json
from bsevents.model.sanitize import clean, shorten
from bsevents.views.layout import Column, Span

# Values are cut before they are measured, so a 1 MB string costs nothing to lay out.
CELL_LIMIT = 300
KIND_STYLES = {"identity": "magenta", "page": "cyan", "commerce": "green", "custom": "yellow"}
KIND_STYLE_OBJECTS = {kind: Style.parse(style) for kind, style in KIND_STYLES.items()}
DIM = Style(dim=True)
BOLD = Style(bold=True)
MARK = "●"
MARK_STYLE = Style(color="bright_green", bold=True)
# Only a plain web address becomes a terminal hyperlink; anything else is shown as text.
_LINKABLE_RE = re.compile(r"https?://[!-~]+")

HighlightFn = Callable[[Event], bool]
FLAG = "!"
FLAG_STYLE = Style(color="red", bold=True)
DOUBT = "?"
DOUBT_STYLE = Style(color="yellow", bold=True)
# What each mark means, in the footer of a view that shows it.
LEGEND_NEW = f"{MARK} new"
LEGEND_FLAG = f"{FLAG} lint finding: bsevents lint lists them, --show ID one event's"
LEGEND_DOUBT = (
    f"{DOUBT} time in doubt: timestamp is not a time, or timestamp_epoch disagrees with it; "
    "--show ID says which"
)
# The Id column shows at most this much of a prefix: a hostile id can be a megabyte.
ID_LIMIT = 40


def cell(value: str, limit: int | None = CELL_LIMIT) -> str:
    """Event text made safe for a terminal and cut to `limit` characters (None: in full)."""
    if limit is None:
        return clean(value)
    # Cutting first is safe (clean works character by character and only lengthens) and
    # spares cleaning a megabyte that would be thrown away.
    return shorten(clean(value[: limit + 1]), limit)


def event_name(event: Event) -> str:
    """The event's name made safe, whatever JSON value it is."""
    name = event.get("event")
    if isinstance(name, str):
        return cell(name)
    if name is None:
        return "(no event name)"
    return cell(encode_json(name, json.JSONEncoder(ensure_ascii=False).encode))


def zone_label(tz: timezone | None, events: Iterable[Event] = ()) -> str:
    """`UTC`; or the local zone's abbreviations over the events' times (`CET/CEST` when
    they span a daylight-saving change), else now's; or an offset (`UTC+0530`) where the
    zone has no abbreviation."""
    if tz is not None:
        return "UTC"
    names: dict[str, None] = {}
    for event in events:
        seconds = event_time(event)
        if seconds is not None:
            names.setdefault(_local_zone(seconds), None)
    if not names:
        names[_local_zone(time.time())] = None
    return "/".join(names)


def _local_zone(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone()
    name = moment.tzname()
    return name if name and not name.startswith(("+", "-")) else moment.strftime("UTC%z")


class Clock:
    """Event times in one zone: UTC, or local time (None)."""

    def __init__(self, tz: timezone | None) -> None:
        self.tz = tz

    def moment(self, event: Event) -> datetime | None:
        seconds = event_time(event)
        return None if seconds is None else self.at(seconds)

    def at(self, seconds: float) -> datetime:
        # Naive local time for the local zone: right across DST changes, and cheaper
        # than astimezone() on every row.
        return datetime.fromtimestamp(seconds, tz=self.tz)

    @staticmethod
    def full(moment: datetime | None) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "(no time)"


def heading(console: Console, title: str, dashboard_url: str | None) -> None:
    """The title line, and a line with the dashboard link when there is one."""
    console.print(Text(clean(title), style="bold"), crop=False, soft_wrap=True)
    if dashboard_url:
        shown = clean(dashboard_url)
        link = dashboard_url if _LINKABLE_RE.fullmatch(dashboard_url) else None
        console.print(
            Text.assemble(("dashboard ", DIM), (shown, Style(link=link, underline=True))),
            crop=False,
            soft_wrap=True,
        )


def footer(console: Console, text: str | None, legend: Sequence[str] = ()) -> None:
    """The lines under a view: what was left out, then what each mark shown means, one
    mark a line."""
    for line in ([text] if text else []) + list(legend):
        console.print(Text(line, style="dim"), crop=False, soft_wrap=True)


def legend(
    events: Sequence[Event], *, new: bool, flagged: bool, doubted: bool, ids: ShortIds | None
) -> list[str]:
    """The footer's lines for the marks a view shows: `●`, `!`, `?`, and `×2` when `ids`
    (the Id column's) counts a double send among `events`."""
    lines = [LEGEND_NEW] if new else []
    if flagged:
        lines.append(LEGEND_FLAG)
    if doubted:
        lines.append(LEGEND_DOUBT)
    most = max((ids.count(shown_uuid(e)) for e in events), default=0) if ids else 0
    if most > 1:
        n = "2" if most == 2 else "N"
        lines.append(
            f"×{n} {n} events with this event_uuid, --show ID lists them; "
            "copies of one event, a double send, are shown once"
        )
    return lines


def once_each(events: Sequence[Event]) -> list[Event]:
    """`events` without the later copies of a double send (model.ids.copy_key): the first
    copy stands for them all, its Id marked `×2`."""
    seen: set[tuple[str, str]] = set()
    out = []
    for event in events:
        key = copy_key(event)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(event)
    return out


def id_text(ids: ShortIds, event: Event) -> str:
    """The Id cell: the event_uuid's unique prefix, and `×2` when it came twice."""
    return id_of(ids, shown_uuid(event))


def id_of(ids: ShortIds, shown: str) -> str:
    """An event_uuid (as shown_uuid gives it) as the Id column shows it: `3766f118 ×2`."""
    text = cell(ids.short(shown), ID_LIMIT)
    count = ids.count(shown)
    return f"{text} ×{count}" if count > 1 else text


def doubt_cell(event: Event) -> Span:
    """`?` when the time the event is placed by may be wrong (model.events.time_doubt)."""
    return (DOUBT, DOUBT_STYLE) if time_doubt(event) is not None else (" ", None)


def add_flags(
    columns: list[Column], rows: Sequence[list[Span]], events: Sequence[Event], flagged: HighlightFn
) -> None:
    """Put a first column in front of `rows` (one per event of `events`, in order) with a
    `!` for the events `flagged` returns True for: the events lint finds fault with."""
    columns.insert(0, Column("", min_width=1, fixed=True))
    for row, event in zip(rows, events, strict=True):
        row.insert(0, (FLAG, FLAG_STYLE) if flagged(event) else (" ", None))


def add_doubts(
    columns: list[Column], rows: Sequence[list[Span]], events: Sequence[Event], at: int
) -> bool:
    """Put a column at `at` (beside the time it casts doubt on) with a `?` for the events
    whose time may be wrong, when any is; whether one was put."""
    doubts = [doubt_cell(event) for event in events]
    if not any(text != " " for text, _style in doubts):
        return False
    columns.insert(at, Column("", min_width=1, fixed=True))
    for row, doubt in zip(rows, doubts, strict=True):
        row.insert(at, doubt)
    return True


def empty_view(console: Console, footer_text: str | None) -> None:
    """What the table and the timeline show when no event is left to show."""
    console.print(Text("no events to show", style="dim"))
    footer(console, footer_text)
