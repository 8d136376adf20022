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

from bsevents.model.events import Event, encode_json, event_time
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


def footer(console: Console, text: str | None, *, marked: bool) -> None:
    """The line under a view: what was left out, and the meaning of the marker."""
    parts = [text] if text else []
    if marked:
        parts.append(f"{MARK} new")
    if parts:
        console.print(Text(" · ".join(parts), style="dim"), crop=False, soft_wrap=True)


def add_flags(
    columns: list[Column], rows: Sequence[list[Span]], events: Sequence[Event], flagged: HighlightFn
) -> None:
    """Put a first column in front of `rows` (one per event of `events`, in order) with a
    `!` for the events `flagged` returns True for: the events lint finds fault with."""
    columns.insert(0, Column("", min_width=1, fixed=True))
    for row, event in zip(rows, events, strict=True):
        row.insert(0, (FLAG, FLAG_STYLE) if flagged(event) else (" ", None))


def count(n: int) -> str:
    """10000 -> `10,000`."""
    return f"{n:,}"


def empty_view(console: Console, footer_text: str | None) -> None:
    """What the table and the timeline show when no event is left to show."""
    console.print(Text("no events to show", style="dim"))
    footer(console, footer_text, marked=False)
