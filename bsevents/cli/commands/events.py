"""`bsevents events`: fetch one customer's events and show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bsevents.cli import asking, scripting
from bsevents.cli.helptext import CALLS, CUSTOMER
from bsevents.cli.options import (
    BaseUrlOption,
    GrepOption,
    ProfileOption,
    RegionOption,
    SinceOption,
    TypesOption,
    UntilOption,
    decimal_number,
    whole_number,
)
from bsevents.cli.scripting import ExitStatusOption, WaitOption, WhereOption
from bsevents.errors import UsageProblem
from bsevents.model.fields import parse_fields
from bsevents.query.filters import make_criteria
from bsevents.views.events import DEFAULT_SHOWN, FILTER_PANEL, VIEW_PANEL, Request, View, render
from bsevents.views.output import ColorChoice, use_terminal

if TYPE_CHECKING:
    from bsevents.query.plan import Plan


def events_command(
    customer: Annotated[
        str | None,
        typer.Argument(
            metavar="CUSTOMER",
            help="Customer UUID, a dashboard URL copied from the browser, or an email address.",
            show_default=False,
        ),
    ] = None,
    uuid: Annotated[
        str | None,
        typer.Option(
            "--uuid", "-u", metavar="CUSTOMER", help="Same as CUSTOMER.", rich_help_panel=CUSTOMER
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Show the bundled demo journey: no key, no call.",
            rich_help_panel=CUSTOMER,
        ),
    ] = False,
    view: Annotated[
        View | None,
        typer.Option(
            "--view",
            help="Output format. Default: table on a terminal, json when piped.",
            rich_help_panel=VIEW_PANEL,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Same as --view json.", rich_help_panel=VIEW_PANEL)
    ] = False,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    profile: ProfileOption = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            parser=decimal_number(low=0.1),
            help="Give up after this long.",
            rich_help_panel=CALLS,
        ),
    ] = 30.0,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            metavar="ADDRESS",
            help="Find the customer by email (Search customer; costs no events call).",
            rich_help_panel=CUSTOMER,
        ),
    ] = None,
    curl: Annotated[
        bool,
        typer.Option(
            "--curl",
            help="Print the equivalent curl command and exit; no call.",
            rich_help_panel=CALLS,
        ),
    ] = False,
    watch: Annotated[
        str | None,
        typer.Option(
            "--watch",
            metavar="[INTERVAL]",
            help="Poll for new events within the hourly budget; INTERVAL like 8m "
            "(default: paced by the calls left).",
            show_default=False,
            rich_help_panel=CALLS,
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option(
            "--retries",
            metavar="N",
            parser=whole_number(low=0, high=5),
            help="Retry 502/503/504 and dropped connections up to N times (each retry is "
            "a call of the budget; never past the cap).",
            rich_help_panel=CALLS,
        ),
    ] = 2,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Make a live call even if a fresh copy is stored.",
            rich_help_panel=CALLS,
        ),
    ] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="Never call: show the last stored response.", rich_help_panel=CALLS
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Call even at the hourly cap or after a 429 (live call).",
            rich_help_panel=CALLS,
        ),
    ] = False,
    new: Annotated[
        bool,
        typer.Option(
            "--new",
            help="Only the events that are new since the fetch before.",
            rich_help_panel=CALLS,
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors still show).")
    ] = False,
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
            rich_help_panel=CUSTOMER,
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
    types: TypesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    grep: GrepOption = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            parser=whole_number(low=1),
            help="Only the N most recent events (after the other filters).",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    reverse: Annotated[
        bool,
        typer.Option("--reverse", "-r", help="Newest first.", rich_help_panel=FILTER_PANEL),
    ] = False,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            metavar="PLAN.json",
            help="Mark with ! (table, timeline) the events that break this tracking plan, "
            "besides the built-in lint rules; --show lists the findings.",
            rich_help_panel=VIEW_PANEL,
        ),
    ] = None,
    where: WhereOption = None,
    exit_status: ExitStatusOption = False,
    wait: WaitOption = None,
) -> None:
    """Fetch one customer's events and show them sorted by time."""
    use_terminal(quiet=quiet, debug=debug, color=color)
    chosen = _chosen_view(view, as_json=as_json, show_all=show_all, limit=limit, show=show)
    asked = asking.Asked(
        customer=customer,
        uuid=uuid,
        email=email,
        demo=demo,
        from_file=from_file,
        profile=profile,
        region=region,
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        curl=curl,
        watch=watch,
        wait=wait,
        refresh=refresh,
        offline=offline,
        force=force,
        new=new,
        exit_status=exit_status,
        question=asking.question_args(types, since, until, grep, show, new=new),
    )
    shaping = {
        "--fields": fields is not None,
        "--limit": limit is not None,
        "--all": show_all,
        "--reverse": reverse,
    }
    asking.refuse(asked, show=show is not None, view=chosen, shaping=shaping)
    request = Request(
        view=chosen,
        criteria=make_criteria(
            types=types, since=since, until=until, grep=grep, utc=utc, where=where
        ),
        fields=parse_fields(fields) if fields is not None else None,
        utc=utc,
        show=show,
        show_all=show_all,
        limit=limit,
        reverse=reverse,
        color=color,
        pager=pager,
        profile=profile,
        source_name=from_file,
        plan=_load_plan(plan),
    )
    got = asking.get_events(asked, request)
    if got is None:  # --curl or --watch wrote their own output
        return
    result, request = got
    render(result, request)
    if exit_status:
        scripting.require_match(result.events, request.criteria)


def _chosen_view(
    view: View | None, *, as_json: bool, show_all: bool, limit: int | None, show: str | None
) -> View | None:
    """The view asked for (None: the default), once the view options agree."""
    chosen = View.json if as_json else view
    if as_json and view not in (None, View.json):
        raise UsageProblem(f"--json and --view {view.value} ask for different views", "give one")
    if show_all and limit is not None:
        raise UsageProblem("--all and --limit contradict each other", "give one of them")
    if show is not None and chosen not in (None, View.json):
        raise UsageProblem("--show prints one event as JSON; it takes no other --view")
    return chosen


def _load_plan(path: str | None) -> Plan | None:
    """The tracking plan of --plan, read and checked before any call is spent."""
    if path is None:
        return None
    from bsevents.query.plan import load_plan

    return load_plan(path)
