"""The table view: one row per event, oldest first, for reading on a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bsevents.events import Event, event_datetime
from bsevents.render.summary import browser, kind_of, short_session, summary
from bsevents.sanitize import clean, shorten

KIND_STYLES = {"identity": "magenta", "page": "cyan", "commerce": "green", "custom": "yellow"}
# Values are cut before rich sees them, so a 1 MB string costs nothing to lay out.
_CELL_LIMIT = 300


def safe_text(value: str, style: str = "", limit: int = _CELL_LIMIT) -> Text:
    """Event text for rich: placeholders for control characters, never markup."""
    return Text(shorten(clean(value), limit), style=style)


def zone_label(tz: timezone | None) -> str:
    if tz is not None:
        return "UTC"
    now = datetime.now().astimezone()
    return now.tzname() or now.strftime("UTC%z")


def format_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "(no time)"


def render_table(
    console: Console,
    events: Sequence[Event],
    *,
    title: str,
    tz: timezone | None = None,
) -> None:
    """Print the events as a table on `console`."""
    if not events:
        console.print(Text(f"{title}: no events."))
        return
    table = Table(title=Text(title), title_justify="left", header_style="bold", expand=False)
    # Summary takes what the fixed columns leave; rich shrinks it first on a narrow screen.
    table.add_column(f"Time ({zone_label(tz)})", no_wrap=True, style="dim", min_width=19)
    table.add_column("Event", no_wrap=True, overflow="ellipsis", min_width=8, max_width=24)
    table.add_column("Summary", no_wrap=True, overflow="ellipsis", min_width=16)
    table.add_column("Browser", no_wrap=True, overflow="ellipsis", min_width=7, max_width=22)
    table.add_column("Session", no_wrap=True, min_width=8)
    for event in events:
        name = event.get("event")
        shown_name = name if isinstance(name, str) else "(no event name)"
        table.add_row(
            format_time(event_datetime(event, tz)),
            safe_text(shown_name, KIND_STYLES[kind_of(name)]),
            safe_text(summary(event)),
            safe_text(browser(event)),
            safe_text(short_session(event), "dim"),
        )
    console.print(table)
