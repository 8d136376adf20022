"""Lint findings as blocks for a terminal, or as a JSON array of plain objects.

Messages, paths and names quote event data: on a terminal every string goes through
`cell()` (no control characters, no markup); in JSON through the same escaping as events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from bsevents.model.events import Event
from bsevents.query.lint import Finding
from bsevents.views.jsonout import json_chunks

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from bsevents.model.ids import ShortIds


def findings_json(findings: Sequence[Finding]) -> Iterator[str]:
    """A JSON array, one finding per line, with exactly the documented keys (a lone
    surrogate written as its escape, as in events)."""
    return json_chunks([f.as_json() for f in findings])


def render_findings(
    console: Console,
    findings: Sequence[Finding],
    *,
    title: str,
    tz: timezone | None,
    ids: ShortIds,
    events: Sequence[Event] = (),
) -> None:
    """The findings as blocks, one per finding, readable in full at any width: a line
    with the severity, rule, time, event and Id (`×2` for a double send), then the path
    and the message, wrapped under it, never cut. `ids` gives the Id column (unique
    prefixes within the linted events; by default within the findings' ids)."""
    from rich.style import Style
    from rich.text import Text

    from bsevents.views.common import BOLD, CELL_LIMIT, DIM, cell, id_of, zone_label

    def text(value: str, limit: int | None = CELL_LIMIT) -> str:
        return cell(value, limit)

    heading = f"{title} · times in {zone_label(tz, events)}"
    _print_wrapped(console, Text(text(heading), style="bold"), "")
    if not findings:
        console.print(Text("no findings", style="dim"))
        return
    severity_style = {"error": Style(color="red", bold=True), "warning": Style(color="yellow")}
    for f in findings:
        head = Text(overflow="fold")
        head.append(f.severity, severity_style[f.severity])
        head.append("  ")
        head.append(text(f.rule), BOLD)
        head.append(f"  {_when(f.timestamp, tz)}  ", DIM)
        head.append(text(f.event) if f.event is not None else "(no name)")
        if f.event_uuid:
            head.append(f"  {id_of(ids, f.event_uuid)}", DIM)
        body = Text(overflow="fold")
        if f.path:
            body.append(text(f.path), BOLD)
            body.append(": ")
        body.append(text(f.message, None))  # at most lint.MESSAGE_LIMIT, and never cut
        console.print()
        _print_wrapped(console, head, "")
        _print_wrapped(console, body, "  ")


def _print_wrapped(console: Console, text: Text, indent: str) -> None:
    """`text` over as many lines as it needs, each after `indent`: broken at spaces, a
    word longer than a line folded, nothing cut, no trailing spaces."""
    from rich.text import Text

    width = max(console.width - len(indent), 8)
    for line in text.wrap(console, width, overflow="fold"):
        line.rstrip()
        console.print(Text(indent) + line, crop=False, soft_wrap=True)


def _when(stamp: str | None, tz: timezone | None) -> str:
    if stamp is None:
        return "(no time)"
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    shown = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return shown.strftime("%Y-%m-%d %H:%M:%S")
