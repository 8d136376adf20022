"""Lint findings as a table for a terminal, or as a JSON array of plain objects.

Messages, paths and names quote event data: in the table every string goes through
`cell()` (no control characters, no markup); in JSON through the same escaping as events.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from bsevents.query.lint import Finding
from bsevents.views.jsonout import dump_event

if TYPE_CHECKING:
    from rich.console import Console

# A lone surrogate (JSON's "\\ud800") cannot be encoded for a terminal or a pipe: it is
# written as its escape, which in JSON means the same character.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def findings_json(findings: Sequence[Finding]) -> Iterator[str]:
    """A JSON array, one finding per line, with exactly the documented keys."""
    if not findings:
        yield "[]\n"
        return
    lines = (escape_surrogates(dump_event(f.as_json())) for f in findings)
    yield "[\n" + ",\n".join(lines) + "\n]\n"


def render_findings(
    console: Console, findings: Sequence[Finding], *, title: str, tz: timezone | None
) -> None:
    """The findings as a table: severity, rule, time, event, short id, path, message."""
    from rich.style import Style
    from rich.text import Text

    from bsevents.views.common import BOLD, DIM, cell, zone_label
    from bsevents.views.layout import Column, Grid, Span

    def text(value: str) -> str:
        return cell(escape_surrogates(value))

    console.print(Text(text(title), style="bold"), crop=False, soft_wrap=True)
    if not findings:
        console.print(Text("no findings", style="dim"))
        return
    severity_style = {"error": Style(color="red", bold=True), "warning": Style(color="yellow")}
    columns = [
        Column("Severity", min_width=7, fixed=True, header_style=BOLD),
        Column("Rule", min_width=4, fixed=True, header_style=BOLD),
        Column(f"Time ({zone_label(tz)})", min_width=19, fixed=True, header_style=BOLD),
        Column("Event", min_width=6, max_width=16, header_style=BOLD),
        Column("Id", min_width=8, max_width=8, fixed=True, header_style=BOLD, optional=1),
        Column("Path", min_width=4, max_width=20, header_style=BOLD),
        Column("Message", min_width=20, wrap=True, header_style=BOLD, want=40),
    ]
    rows: list[list[Span]] = []
    for f in findings:
        rows.append(
            [
                (f.severity, severity_style[f.severity]),
                (text(f.rule), None),
                (_when(f.timestamp, tz), DIM),
                (text(f.event) if f.event is not None else "(no name)", None),
                (text(f.event_uuid[:8]) if f.event_uuid else "", DIM),
                (text(f.path), None),
                (text(f.message), None),
            ]
        )
    console.print(Grid(columns, rows, rule_style=DIM), crop=False)


def _when(stamp: str | None, tz: timezone | None) -> str:
    if stamp is None:
        return "(no time)"
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    shown = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return shown.strftime("%Y-%m-%d %H:%M:%S")
