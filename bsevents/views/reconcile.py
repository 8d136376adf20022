"""`reconcile`'s outcomes: a table for a terminal, or a JSON array of plain objects.

Everything shown comes from a capture or an event, both written by visitors' browsers or
site code: on a terminal every string goes through `cell()` (no control characters, no
markup); in JSON through the same escaping as `events --json`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from bsevents.model.times import iso_utc
from bsevents.query.compare import Difference
from bsevents.query.reconcile import Outcome
from bsevents.views.jsonout import json_chunks

if TYPE_CHECKING:
    from rich.console import Console

VALUE_LIMIT = 60  # characters of a value shown in the Differences column
STATUS_STYLES = {
    "arrived": "green",
    "changed": "yellow",
    "missing": "bold red",
    "rejected": "red",
    "blocked": "magenta",
    "unsent": "dim",
}
LEGEND_COPIES = "×N arrived N times: a double send"


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One outcome with exactly the documented keys."""
    sent = outcome.sent
    uuid = outcome.arrived.get("event_uuid") if outcome.arrived is not None else None
    return {
        "status": outcome.status,
        "event": outcome.name,
        "via": sent.via if sent is not None else None,
        "sent_at": iso_utc(sent.sent_at if sent is not None else None),
        "http_status": (sent.http_status or 0) if sent is not None else 0,
        "event_uuid": uuid if isinstance(uuid, (str, int, float)) else None,
        "arrived_at": iso_utc(outcome.arrived_at),
        "latency_s": outcome.latency,
        "differences": [difference.as_json() for difference in outcome.differences],
        "duplicates": outcome.duplicates,
    }


def outcomes_json(outcomes: Sequence[Outcome]) -> Iterator[str]:
    """A JSON array, one outcome per line."""
    return json_chunks([outcome_json(o) for o in outcomes])


def render_outcomes(
    console: Console,
    outcomes: Sequence[Outcome],
    *,
    title: str,
    tz: timezone | None,
    dashboard_url: str | None = None,
) -> None:
    """The outcomes in time order: sent time, event, via, status, latency and what
    differs (or why it failed), wrapped in full rather than cut: readable at 80 columns."""
    from rich.style import Style

    from bsevents.views.common import BOLD, DIM, footer, heading
    from bsevents.views.layout import Column, Grid, Span

    moments = [o.moment for o in outcomes if o.moment is not None]
    days = sorted({_at(moment, tz).date() for moment in moments})
    one_day = len(days) == 1
    heading(console, f"{title} · {days[0]}" if one_day else title, dashboard_url)
    zone = "UTC" if tz is not None else _at(moments[0], tz).strftime("%Z") if moments else ""
    when = f"Sent ({zone})" if zone else "Sent"
    columns = [
        Column(when, min_width=8 if one_day else 19, fixed=True, header_style=BOLD),
        Column("Event", min_width=8, max_width=24, header_style=BOLD),
        Column("Via", min_width=5, fixed=True, header_style=BOLD),
        Column("Status", min_width=7, fixed=True, header_style=BOLD),
        Column("Latency", min_width=7, fixed=True, justify="right", header_style=BOLD),
        Column("Differences", min_width=16, wrap=True, header_style=BOLD),
    ]
    rows: list[list[Span]] = []
    for outcome in outcomes:
        moment = outcome.moment
        shown = (
            ""
            if moment is None
            else _at(moment, tz).strftime("%H:%M:%S" if one_day else "%Y-%m-%d %H:%M:%S")
        )
        status = outcome.status + (f" ×{outcome.duplicates}" if outcome.duplicates > 1 else "")
        rows.append(
            [
                (shown, DIM),
                (_name(outcome.name), None),
                (outcome.sent.via if outcome.sent is not None else "", DIM),
                (status, Style.parse(STATUS_STYLES[outcome.status])),
                (_latency(outcome.latency), DIM),
                (_why(outcome), None),
            ]
        )
    if not rows:
        console.print("nothing was sent", style="dim")
        return
    console.print(Grid(columns, rows, rule_style=DIM), crop=False)
    if any(o.duplicates > 1 for o in outcomes):
        footer(console, None, [LEGEND_COPIES])


def _at(moment: float, tz: timezone | None) -> datetime:
    if tz is not None:
        return datetime.fromtimestamp(moment, tz=tz)
    return datetime.fromtimestamp(moment, tz=timezone.utc).astimezone()


def _name(name: str) -> str:
    from bsevents.views.common import cell

    return cell(name) if name else "(no event name)"


def _latency(seconds: float | None) -> str:
    if seconds is None:
        return ""
    from bsevents.model.times import duration_text

    sign = "-" if seconds < 0 else ""
    size = abs(seconds)
    return f"{sign}{size:.1f}s" if size < 60 else f"{sign}{duration_text(size)}"


def _why(outcome: Outcome) -> str:
    """The Differences cell: what differs, or why the request failed."""
    from bsevents.views.common import cell

    sent = outcome.sent
    if outcome.status == "rejected" and sent is not None:
        return cell(f"HTTP {sent.http_status}" + (f": {sent.error}" if sent.error else ""), None)
    if outcome.status == "blocked" and sent is not None:
        return cell(sent.error or "no answer", None)
    if outcome.status == "unsent":
        return "not in the capture"
    return "; ".join(_difference(d) for d in outcome.differences)


def _difference(difference: Difference) -> str:
    from bsevents.views.common import cell

    key = cell(difference.key, VALUE_LIMIT)
    if difference.why == "missing":
        return f"{key} missing"
    if difference.why == "renamed":
        return f"{key} arrived as {cell(difference.arrived_key or '', VALUE_LIMIT)}"
    shown = f"{key} {_value(difference.sent)} → {_value(difference.arrived)}"
    return f"{shown}, another type" if difference.why == "type" else shown


def _value(value: Any) -> str:
    from bsevents.views.common import cell
    from bsevents.views.summary import typed_text

    return cell(typed_text(value), VALUE_LIMIT)
