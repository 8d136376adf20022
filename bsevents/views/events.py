"""Turning fetched events into the view the user asked for: choosing the events, then
drawing the table or timeline, or writing JSON, NDJSON or CSV, or one event.

The machine formats import no rich; the human views build a console from `--color` and
go through the pager when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bsevents.app.result import EventsResult
from bsevents.errors import NotFound, UsageProblem
from bsevents.model.sanitize import echoed
from bsevents.model.words import counted
from bsevents.query.filters import Criteria, Selection, find_events, missing_types, select
from bsevents.views import ui
from bsevents.views.choices import DEFAULT_SHOWN, HUMAN_VIEWS, ColorChoice, View
from bsevents.views.output import (
    show_human,
    stdout_is_terminal,
    write_chunks,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from bsevents.model.events import Event
    from bsevents.query.plan import Plan
    from bsevents.query.where import Condition


@dataclass(frozen=True)
class Request:
    """How the user asked to see the events (the options that shape the output)."""

    view: View | None
    criteria: Criteria
    fields: list[str] | None
    utc: bool
    show: str | None
    show_all: bool
    limit: int | None
    reverse: bool
    color: ColorChoice
    pager: bool | None  # None: the `pager` setting of `profile` decides
    source_name: str | None
    plan: Plan | None = None  # --plan: lint marks check it besides the built-in rules
    profile: str | None = None  # --profile, whose settings the pager follows


def render(result: EventsResult, request: Request) -> None:
    """Write `result` to stdout as `request` says."""
    on_terminal = stdout_is_terminal()
    if request.show is not None:
        _show_one(result, request, on_terminal)
        return
    view = request.view or (View.table if on_terminal else View.json)
    if request.plan is not None and view not in HUMAN_VIEWS:
        ui.warn(f"--plan marks the table and timeline, and --show; ignored for {view.value}")
    if request.fields and view not in (View.table, View.csv):
        ui.warn(f"--fields picks the columns of the table and csv views; ignored for {view.value}")
    elif request.fields and result.events:
        from bsevents.model.fields import unknown_fields

        for name in unknown_fields(result.events, request.fields):
            ui.warn(f"no event has a field {name!r}; its column stays empty")
    if request.criteria.where and result.events:
        _warn_unknown_where(result.events, request.criteria.where)
    limit = request.limit
    if limit is None and view in HUMAN_VIEWS and not request.show_all:
        limit = DEFAULT_SHOWN
    selection = select(result.events, request.criteria, limit=limit, reverse=request.reverse)
    _note_missing_types(result, request)
    if view is View.json:
        from bsevents.views.jsonout import json_chunks

        write_chunks(json_chunks(selection.events, pretty=on_terminal))
    elif view is View.ndjson:
        from bsevents.views.jsonout import ndjson_chunks

        write_chunks(ndjson_chunks(selection.events))
    elif view is View.csv:
        from bsevents.views.csvout import csv_chunks

        write_chunks(csv_chunks(selection.events, request.fields))
    else:
        _render_human(result, request, view, selection)


def _render_human(result: EventsResult, request: Request, view: View, selection: Selection) -> None:
    from datetime import timezone

    tz = timezone.utc if request.utc else None
    title = view_title(result, request.source_name)
    footer = footer_text(selection, request.limit is None and not request.show_all)
    page = request.pager if request.pager is not None else _pager_setting(request.profile)
    from bsevents.views.marks import marks_for

    marks = marks_for(result.events, selection.events, request.plan)

    highlight = None
    if result.new_keys:
        from bsevents.model.events import event_key

        new_keys = result.new_keys

        def highlight(event: Event) -> bool:
            return event_key(event) in new_keys

    def draw(console: Console) -> None:
        if view is View.timeline:
            from bsevents.views.timeline import render_timeline

            # The timeline groups oldest first and reverses the groups itself.
            ordered = selection.events[::-1] if request.reverse else selection.events
            render_timeline(
                console,
                ordered,
                title=title,
                tz=tz,
                footer_text=footer,
                reverse=request.reverse,
                highlight=highlight,
                dashboard_url=result.dashboard_url,
                flagged=marks.flagged,
                ids=marks.ids,
            )
        else:
            from bsevents.views.table import render_table

            render_table(
                console,
                selection.events,
                title=title,
                tz=tz,
                fields=request.fields,
                footer_text=footer,
                highlight=highlight,
                dashboard_url=result.dashboard_url,
                flagged=marks.flagged,
                ids=marks.ids,
            )

    show_human(draw, color=request.color, page=page)


def _pager_setting(profile: str | None) -> bool:
    """The `pager` setting; only read when it can matter (a human view on a terminal), so
    the pager is decided here alone."""
    if not stdout_is_terminal():
        return False
    from bsevents.state import settings as settings_module

    try:
        return bool(settings_module.resolve(profile=profile).values["pager"])
    except UsageProblem as problem:
        # Showing the demo or a saved file must not fail over a setting it hardly needs.
        ui.warn(f"{problem.message}; not paging")
        return False


def view_title(result: EventsResult, source_name: str | None) -> str:
    """`35 events · customer 51aceb79-… · demo data`."""
    parts = [counted(len(result.events), "event")]
    if result.uuid:
        parts.append(f"customer {result.uuid}")
    if result.origin == "demo":
        parts.append("demo data")
    elif result.origin == "file":
        parts.append(f"from {source_name if source_name != '-' else 'stdin'}")
    return " · ".join(parts)


def footer_text(selection: Selection, default_cap: bool) -> str | None:
    """What the view leaves out: `showing 200 of 10,000 · --all or --limit N`, or with
    filters `showing 1 of 4 matching events, 28 in all`."""
    shown, total, matching = len(selection.events), selection.total, selection.matching
    if shown < matching:
        text = (
            f"showing {shown:,} of {matching:,} matching events, {total:,} in all"
            if matching < total
            else f"showing {shown:,} of {total:,}"
        )
        return f"{text} · --all or --limit N" if default_cap else text
    if matching < total:
        return f"{matching:,} of {total:,} events {'matches' if matching == 1 else 'match'}"
    return None


def _warn_unknown_where(events: list[Event], conditions: Sequence[Condition]) -> None:
    """A --where on a field no event has is most likely a typo: say what it did."""
    from bsevents.model.fields import unknown_fields

    unknown = set(unknown_fields(events, [c.path for c in conditions]))
    for condition in conditions:
        if condition.path in unknown:
            # != holds where the field is absent: every event passes it; the rest, none.
            what = "every event passes it" if condition.op == "!=" else "no event passes it"
            ui.warn(f"no event has a field {echoed(condition.path)!r}: {what}")


def _note_missing_types(result: EventsResult, request: Request) -> None:
    """Say which asked-for names no event has, suggesting close ones: only about an
    answer that is not an old copy, where a missing name may be a new event (the
    pipeline said so, with its suggestion, when it could not ask again)."""
    types = request.criteria.types
    if not types or result.origin == "cache":
        return
    for wanted, close in missing_types(result.events, types).items():
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        ui.note(f"no {wanted!r} events (names are case-sensitive){hint}")


def _show_one(result: EventsResult, request: Request, on_terminal: bool) -> None:
    assert request.show is not None
    selection = select(result.events, request.criteria, limit=request.limit)
    _refuse_ambiguous(selection.events, request.show, request.utc)
    try:
        found = find_events(selection.events, request.show)
    except NotFound:
        if selection.matching == selection.total and request.limit is None:
            raise
        find_events(result.events, request.show)  # raises NotFound when it is not there at all
        raise NotFound(
            f"event {request.show.strip()!r} is there, but the filters leave it out",
            "drop --type/--since/--until/--grep/--limit to see it",
        ) from None
    if len(found) > 1:
        ui.warn(f"{len(found)} events share this event_uuid; showing them all, oldest first")
    value = found[0] if len(found) == 1 else found
    if on_terminal and request.view is None:
        from bsevents.views.detail import render_detail

        show_human(lambda console: render_detail(console, value), color=request.color, page=False)
    else:
        from bsevents.views.jsonout import pretty_json

        write_chunks([pretty_json(value)])
    from bsevents.views.marks import findings_for, report

    report(findings_for(result.events, request.plan, found), result.events, found)


def _refuse_ambiguous(events: list[Event], wanted: str, utc: bool) -> None:
    """Exit 2 when `wanted` is a prefix of several event_uuids, listing each candidate
    once (time, event name, full event_uuid, and `×2` for a double send), in columns, so
    the user can pick one."""
    key = wanted.strip().lower()
    if not key:
        return
    from bsevents.model.ids import shown_uuid, uuid_of

    lowered = [uuid_of(e) for e in events]
    if key in lowered:
        return
    candidates: dict[str, list[Event]] = {}
    for event, uuid in zip(events, lowered, strict=True):
        if uuid and uuid.startswith(key):
            candidates.setdefault(uuid, []).append(event)
    if len(candidates) < 2:
        return
    from datetime import timezone

    from rich.cells import cell_len

    from bsevents.views.common import Clock, event_name

    clock = Clock(timezone.utc if utc else None)
    firsts = [copies[0] for copies in candidates.values()]
    names = [event_name(e) for e in firsts]
    width = max(cell_len(name) for name in names)
    lines = []
    for first, name, copies in zip(firsts, names, candidates.values(), strict=True):
        times = f"  ×{len(copies)}" if len(copies) > 1 else ""
        pad = " " * (width - cell_len(name))
        uuid = echoed(shown_uuid(first))
        lines.append(f"{clock.full(clock.moment(first)):19}  {name}{pad}  {uuid}{times}")
    raise UsageProblem(
        f"{len(candidates)} event_uuids start with {echoed(key)!r}",
        "give more of it; the candidates:\n" + "\n".join(lines),
    )
