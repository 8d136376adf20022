"""Lint findings as blocks for a terminal, or as a JSON array of plain objects.

Messages, paths and names quote event data: on a terminal every string goes through
`cell()` (no control characters, no markup); in JSON through the same escaping as events.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from bsevents.query.lint import Finding
from bsevents.views.jsonout import dump_event

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from bsevents.model.ids import ShortIds

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
    console: Console,
    findings: Sequence[Finding],
    *,
    title: str,
    tz: timezone | None,
    ids: ShortIds | None = None,
) -> None:
    """The findings as blocks, one per finding, readable in full at any width: a line
    with the severity, rule, time, event and Id (`×2` for a double send), then the path
    and the message, wrapped under it, never cut. `ids` gives the Id column (unique
    prefixes within the linted events; by default within the findings' ids)."""
    from rich.style import Style
    from rich.text import Text

    from bsevents.model.ids import ShortIds
    from bsevents.views.common import BOLD, CELL_LIMIT, DIM, ID_LIMIT, cell

    def text(value: str, limit: int | None = CELL_LIMIT) -> str:
        return cell(escape_surrogates(value), limit)

    _print_wrapped(console, Text(text(title), style="bold"), "")
    if not findings:
        console.print(Text("no findings", style="dim"))
        return
    if ids is None:
        ids = ShortIds(Counter(f.event_uuid.lower() for f in findings if f.event_uuid))
    severity_style = {"error": Style(color="red", bold=True), "warning": Style(color="yellow")}
    for f in findings:
        head = Text(overflow="fold")
        head.append(f.severity, severity_style[f.severity])
        head.append("  ")
        head.append(text(f.rule), BOLD)
        head.append(f"  {_when(f.timestamp, tz)}  ", DIM)
        head.append(text(f.event) if f.event is not None else "(no name)")
        if f.event_uuid:
            count = ids.count(f.event_uuid)
            shown = text(ids.short(f.event_uuid), ID_LIMIT) + (f" ×{count}" if count > 1 else "")
            head.append(f"  {shown}", DIM)
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
