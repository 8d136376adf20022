"""`bsevents events`: fetch one customer's events and show them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from bsevents import ui
from bsevents.cli.output import (
    ColorChoice,
    make_console,
    show_human,
    stdout_is_terminal,
    write_chunks,
)
from bsevents.customer import Customer, parse_customer
from bsevents.errors import NotFound, UsageProblem
from bsevents.events import count_trailing_untimed
from bsevents.filters import Criteria, Selection, find_events, make_criteria, missing_types, select
from bsevents.render.fields import parse_fields
from bsevents.source import EventsResult

if TYPE_CHECKING:
    from rich.console import Console


class View(str, Enum):
    table = "table"
    timeline = "timeline"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


HUMAN_VIEWS = (View.table, View.timeline)
# Human views show this many of the most recent events unless --all or --limit says.
DEFAULT_SHOWN = 200
VIEW_PANEL = "View"
FILTER_PANEL = "Filters"


def _customer(argument: str | None, option: str | None) -> Customer:
    if argument is not None and option is not None:
        first, second = parse_customer(argument), parse_customer(option)
        if first.uuid != second.uuid:
            raise UsageProblem(
                "two different customers given (CUSTOMER and --uuid)", "give one of them"
            )
        return first
    text = argument if argument is not None else option
    if text is None:
        raise UsageProblem(
            "no customer given: expected a customer UUID or a Blueshift dashboard URL",
            "for example: bsevents events 51aceb79-2cbc-4e2b-a132-b02de69bba15 "
            "(or bsevents events --demo)",
        )
    return parse_customer(text)


def events_command(
    customer: Annotated[
        str | None,
        typer.Argument(
            metavar="CUSTOMER",
            help="Customer UUID, or a dashboard URL copied from the browser.",
            show_default=False,
        ),
    ] = None,
    uuid: Annotated[
        str | None,
        typer.Option("--uuid", "-u", metavar="CUSTOMER", help="Same as CUSTOMER."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Show the bundled demo journey: no key, no call.")
    ] = False,
    view: Annotated[
        View | None,
        typer.Option(
            "--view", help="Output format. Default: table on a terminal, json when piped."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --view json.")] = False,
    region: Annotated[
        str | None,
        typer.Option("--region", metavar="us|eu", help="Blueshift region [env: BLUESHIFT_REGION]."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Replace the API base URL, e.g. a stand-in server [env: BSEVENTS_BASE_URL].",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="SECONDS", min=0.1, help="Give up after this long."),
    ] = 30.0,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
    ] = False,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from-file",
            "-f",
            metavar="PATH",
            help="Show a saved response (- for stdin): --json output, NDJSON or a Postman "
            "export. No key, no call.",
        ),
    ] = None,
    show: Annotated[
        str | None,
        typer.Option(
            "--show",
            metavar="EVENT_UUID",
            help="Print one event in full (every field) as JSON. A unique prefix will do.",
            rich_help_panel=VIEW_PANEL,
        ),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            metavar="A,B.C",
            help="Table and csv columns: top-level keys or dotted paths, shown in full.",
            rich_help_panel=VIEW_PANEL,
        ),
    ] = None,
    utc: Annotated[
        bool,
        typer.Option(
            "--utc", help="Show times in UTC instead of local time.", rich_help_panel=VIEW_PANEL
        ),
    ] = False,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help=f"Table and timeline: every event, not only the {DEFAULT_SHOWN} most recent.",
            rich_help_panel=VIEW_PANEL,
        ),
    ] = False,
    color: Annotated[
        ColorChoice,
        typer.Option(
            "--color",
            help="Colour: auto (on a terminal, unless NO_COLOR is set), always or never.",
            rich_help_panel=VIEW_PANEL,
        ),
    ] = ColorChoice.auto,
    pager: Annotated[
        bool | None,
        typer.Option(
            "--pager/--no-pager",
            help="Page long table or timeline output through $PAGER or less -FRX "
            "(on a terminal only; setting: pager).",
            show_default=False,
            rich_help_panel=VIEW_PANEL,
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            "-t",
            metavar="NAME",
            help="Only events with this name; repeat or separate with commas.",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only events at or after WHEN: 2026-11-24, 2026-11-24T19:05, or 30m, 2h, 3d ago.",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="WHEN",
            help="Only events at or before WHEN (a bare date includes that whole day).",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    grep: Annotated[
        str | None,
        typer.Option(
            "--grep",
            "-g",
            metavar="TEXT",
            help="Only events with TEXT in any field's value (ignoring case).",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            min=1,
            help="Only the N most recent events (after the other filters).",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    reverse: Annotated[
        bool,
        typer.Option("--reverse", "-r", help="Newest first.", rich_help_panel=FILTER_PANEL),
    ] = False,
) -> None:
    """Fetch one customer's events and show them sorted by time."""
    if debug:
        ui.state.debug = True
    from bsevents import settings as settings_module
    from bsevents import source

    if color is not ColorChoice.auto:
        ui.state.color = color is ColorChoice.always
    chosen = View.json if as_json else view
    if as_json and view not in (None, View.json):
        raise UsageProblem(f"--json and --view {view.value} ask for different views", "give one")
    if show_all and limit is not None:
        raise UsageProblem("--all and --limit contradict each other", "give one of them")
    if show is not None and chosen not in (None, View.json):
        raise UsageProblem("--show prints one event as JSON; it takes no other --view")
    # Every option is checked before the call: a typo must not cost one of the 10 an hour.
    criteria = make_criteria(types=types, since=since, until=until, grep=grep, utc=utc)
    picked = parse_fields(fields) if fields is not None else None
    if from_file is not None:
        if demo or customer is not None or uuid is not None:
            raise UsageProblem("--from-file takes no customer and no --demo", "give one source")
        result = source.get_from_file(from_file, stdin=sys.stdin.buffer)
    elif demo:
        if customer is not None or uuid is not None:
            raise UsageProblem("--demo takes no customer", "run: bsevents events --demo")
        result = source.get_demo()
    else:
        who = _customer(customer, uuid)
        resolved = settings_module.resolve(region=region, base_url=base_url)
        result = source.get_live(resolved, who.uuid, timeout=timeout)
    _report(result)
    request = Request(
        view=chosen,
        criteria=criteria,
        fields=picked,
        utc=utc,
        show=show,
        show_all=show_all,
        limit=limit,
        reverse=reverse,
        color=color,
        pager=pager,
        source_name=from_file,
    )
    _render(result, request)


def _report(result: EventsResult) -> None:
    untimed = count_trailing_untimed(result.events)
    if untimed:
        ui.note(f"{untimed} event(s) have no usable time; they are listed last")
    for note in result.notes:
        ui.note(note)


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
    pager: bool | None
    source_name: str | None


def _render(result: EventsResult, request: Request) -> None:
    on_terminal = stdout_is_terminal()
    if request.show is not None:
        _show_one(result, request, on_terminal)
        return
    view = request.view or (View.table if on_terminal else View.json)
    if request.fields and view not in (View.table, View.csv):
        ui.warn(f"--fields picks the columns of the table and csv views; ignored for {view.value}")
    elif request.fields and result.events:
        from bsevents.render.fields import unknown_fields

        for name in unknown_fields(result.events, request.fields):
            ui.warn(f"no event has a field {name!r}; its column stays empty")
    limit = request.limit
    if limit is None and view in HUMAN_VIEWS and not request.show_all:
        limit = DEFAULT_SHOWN
    selection = select(result.events, request.criteria, limit=limit, reverse=request.reverse)
    _note_missing_types(result, request)
    if view is View.json:
        from bsevents.render.jsonout import json_chunks

        write_chunks(json_chunks(selection.events, pretty=on_terminal))
    elif view is View.ndjson:
        from bsevents.render.jsonout import ndjson_chunks

        write_chunks(ndjson_chunks(selection.events))
    elif view is View.csv:
        from bsevents.render.csvout import csv_chunks

        write_chunks(csv_chunks(selection.events, request.fields))
    else:
        _render_human(result, request, view, selection)


def _render_human(result: EventsResult, request: Request, view: View, selection: Selection) -> None:
    from datetime import timezone

    tz = timezone.utc if request.utc else None
    title = view_title(result, request.source_name)
    footer = footer_text(selection, request.limit is None and not request.show_all)
    page = request.pager if request.pager is not None else _pager_setting()

    def draw(console: Console) -> None:
        if view is View.timeline:
            from bsevents.render.timeline import render_timeline

            # The timeline groups oldest first and reverses the groups itself.
            ordered = selection.events[::-1] if request.reverse else selection.events
            render_timeline(
                console,
                ordered,
                title=title,
                tz=tz,
                footer_text=footer,
                reverse=request.reverse,
            )
        else:
            from bsevents.render.table import render_table

            render_table(
                console,
                selection.events,
                title=title,
                tz=tz,
                fields=request.fields,
                footer_text=footer,
            )

    show_human(draw, color=request.color, page=page)


def _pager_setting() -> bool:
    """The `pager` setting; only read when it can matter (a human view on a terminal)."""
    if not stdout_is_terminal():
        return False
    from bsevents import settings as settings_module

    return bool(settings_module.resolve().values["pager"])


def view_title(result: EventsResult, source_name: str | None) -> str:
    """`35 events · customer 51aceb79-… · demo data`."""
    parts = [f"{len(result.events):,} event{'s' if len(result.events) != 1 else ''}"]
    if result.uuid:
        parts.append(f"customer {result.uuid}")
    if result.origin == "demo":
        parts.append("demo data")
    elif result.origin == "file":
        parts.append(f"from {source_name if source_name != '-' else 'stdin'}")
    return " · ".join(parts)


def footer_text(selection: Selection, default_cap: bool) -> str | None:
    """What the view leaves out: `showing 200 of 10,000 · --all or --limit N`."""
    shown, total, matching = len(selection.events), selection.total, selection.matching
    of = f"{matching:,} matching of {total:,}" if matching < total else f"{total:,}"
    if shown < matching:
        text = f"showing {shown:,} of {of}"
        return f"{text} · --all or --limit N" if default_cap else text
    if matching < total:
        return f"{of} events"
    return None


def _note_missing_types(result: EventsResult, request: Request) -> None:
    types = request.criteria.types
    if not types:
        return
    for wanted, close in missing_types(result.events, types).items():
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        ui.note(f"no {wanted!r} events (names are case-sensitive){hint}")


def _show_one(result: EventsResult, request: Request, on_terminal: bool) -> None:
    assert request.show is not None
    selection = select(result.events, request.criteria, limit=request.limit)
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
        from bsevents.render.detail import render_detail

        render_detail(make_console(request.color), value)
    else:
        from bsevents.render.jsonout import pretty_json

        write_chunks([pretty_json(value)])
