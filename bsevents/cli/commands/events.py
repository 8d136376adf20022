"""`bsevents events`: fetch one customer's events and show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bsevents.cli.helptext import CALLS, FILTERS, VIEW
from bsevents.cli.options import (
    BaseUrlOption,
    ColorOption,
    CustomerArgument,
    DebugOption,
    DemoOption,
    EmailOption,
    ExitStatusOption,
    ForceOption,
    FromFileOption,
    GrepOption,
    OfflineOption,
    ProfileOption,
    QuietOption,
    RefreshOption,
    RegionOption,
    RetriesOption,
    SinceOption,
    TimeoutOption,
    TypesOption,
    UntilOption,
    UtcOption,
    UuidOption,
    WaitOption,
    WhereOption,
    typed_on_command_line,
    whole_number,
)
from bsevents.errors import AnswerIsNo, UsageProblem
from bsevents.views.choices import DEFAULT_SHOWN, ColorChoice, View

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Source
    from bsevents.app.result import Wait
    from bsevents.query.filters import Criteria
    from bsevents.query.plan import Plan
    from bsevents.views.events import Request


def events_command(
    command: typer.Context,
    customer: CustomerArgument = None,
    uuid: UuidOption = None,
    demo: DemoOption = False,
    view: Annotated[
        View | None,
        typer.Option(
            "--view",
            help="Output format. Default: table on a terminal, json when piped.",
            rich_help_panel=VIEW,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Same as --view json.", rich_help_panel=VIEW)
    ] = False,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    profile: ProfileOption = None,
    timeout: TimeoutOption = 30.0,
    email: EmailOption = None,
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
    retries: RetriesOption = 2,
    refresh: RefreshOption = False,
    offline: OfflineOption = False,
    force: ForceOption = False,
    new: Annotated[
        bool,
        typer.Option(
            "--new",
            help="Only the events that are new since the fetch before.",
            rich_help_panel=CALLS,
        ),
    ] = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    from_file: FromFileOption = None,
    show: Annotated[
        str | None,
        typer.Option(
            "--show",
            metavar="EVENT_UUID",
            help="Print one event in full (every field) as JSON. A unique prefix will do.",
            rich_help_panel=VIEW,
        ),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            metavar="A,B.C",
            help="Table and csv columns: top-level keys or dotted paths, shown in full.",
            rich_help_panel=VIEW,
        ),
    ] = None,
    utc: UtcOption = False,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help=f"Table and timeline: every event, not only the {DEFAULT_SHOWN} most recent.",
            rich_help_panel=VIEW,
        ),
    ] = False,
    color: ColorOption = ColorChoice.auto,
    pager: Annotated[
        bool | None,
        typer.Option(
            "--pager/--no-pager",
            help="Page long table or timeline output through $PAGER or less -FRX "
            "(on a terminal only; setting: pager).",
            show_default=False,
            rich_help_panel=VIEW,
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
            rich_help_panel=FILTERS,
        ),
    ] = None,
    reverse: Annotated[
        bool,
        typer.Option("--reverse", "-r", help="Newest first.", rich_help_panel=FILTERS),
    ] = False,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            metavar="PLAN.json",
            help="Mark with ! (table, timeline) the events that break this tracking plan, "
            "besides the built-in lint rules; --show lists the findings.",
            rich_help_panel=VIEW,
        ),
    ] = None,
    where: WhereOption = None,
    exit_status: ExitStatusOption = False,
    wait: WaitOption = None,
) -> None:
    """Fetch one customer's events and show them sorted by time."""
    from bsevents.cli import asking
    from bsevents.query.filters import make_criteria
    from bsevents.views.output import use_terminal

    use_terminal(quiet=quiet, debug=debug, color=color)
    chosen = _chosen_view(view, as_json=as_json, show_all=show_all, limit=limit, show=show)
    source = asking.source(customer, uuid, email, demo=demo, from_file=from_file)
    shaping = {
        "--fields": fields is not None,
        "--limit": limit is not None,
        "--all": show_all,
        "--reverse": reverse,
    }
    asking.refuse_contradictions(
        local=source.local,
        curl=curl,
        watch=watch is not None,
        offline=offline,
        refresh=refresh,
        force=force,
        new=new,
        show=show is not None,
        view=chosen,
        shaping=shaping,
    )
    asking.refuse_wait_clashes(
        wait=wait is not None,
        exit_status=exit_status,
        curl=curl,
        watch=watch is not None,
        local=source.local is not None,
        others={"--offline": offline, "--force": force, "--new": new, "--show": show is not None},
    )
    criteria = make_criteria(types=types, since=since, until=until, grep=grep, utc=utc, where=where)
    request = _request(
        chosen, criteria, fields, utc, show, show_all, limit, reverse, color,
        pager=pager, profile=profile, source_name=from_file, plan=plan,
    )  # fmt: skip
    waiting = _waiting(wait, criteria)  # checked before anything is spent
    ctx = asking.context(command, source, profile=profile, region=region, base_url=base_url)
    with ctx:
        if curl:
            _print_curl(ctx, source, timeout, typed=typed_on_command_line(command, "timeout"))
            if typed_on_command_line(command, "retries"):
                _retries_note(retries)
            _curl_notes(request, shown=_shown_options(fields, since, until, grep))
            return
        if watch is not None:
            _watch(ctx, source, watch, request, timeout=timeout, retries=retries)
            return
        from bsevents.app.pipeline import Ask, Question, answer
        from bsevents.app.result import FetchOptions

        options = FetchOptions(
            timeout=timeout, refresh=refresh, offline=offline, force=force, retries=retries
        )
        again = asking.question_args(types, since, until, grep, where, utc=utc, show=show, new=new)
        question = Question(criteria, show, new, again)
        result = answer(ctx, Ask(source, options, question, waiting))
    asking.say_notes(result)
    from bsevents.views.events import render

    render(result, request)
    if exit_status:
        from bsevents.query.filters import select

        if select(result.events, criteria).matching == 0:
            raise AnswerIsNo("no event passes the filters" if criteria.active else "no events")


def _waiting(wait: str | None, criteria: Criteria) -> Wait | None:
    """--wait: until an event passes the filters."""
    if wait is None:
        return None
    from bsevents.app.result import Wait
    from bsevents.app.wait import parse_wait
    from bsevents.cli.asking import looked_for
    from bsevents.query.filters import matches

    return Wait(
        parse_wait(wait),
        lambda events: any(matches(event, criteria) for event in events),
        looked_for(criteria),
    )


def _print_curl(ctx: Context, source: Source, timeout: float, *, typed: bool) -> None:
    """The curl command; a --timeout typed on the command line becomes its --max-time."""
    import sys

    from bsevents.app.pipeline import check_like_a_live_run, curl_commands

    check_like_a_live_run(ctx, timeout)
    sys.stdout.write(curl_commands(ctx, source, timeout if typed else None) + "\n")


def _retries_note(retries: int) -> None:
    """--retries has no faithful curl form: curl's --retry retries more than bsevents does."""
    from bsevents.views import ui

    ui.note(
        f"--retries {retries} is not in the command: curl's --retry would also retry a "
        "timeout, a 429 and a 500, which bsevents never retries"
    )


def _shown_options(
    fields: str | None,
    since: str | None,
    until: str | None,
    grep: str | None,
) -> dict[str, str]:
    """The options as the user typed them (for the --curl notes), by name."""
    typed = {"--fields": fields, "--since": since, "--until": until, "--grep": grep}
    return {name: f"{name} {value}" for name, value in typed.items() if value is not None}


def _curl_notes(request: Request, *, shown: dict[str, str]) -> None:
    """--curl prints the request, which has no say over which events come back or how
    they look: say so for every option given, with the jq filter that does the same
    where there is one, else the bsevents command that shows a saved answer that way."""
    from bsevents.api.curl import quote  # one shell word for bash, zsh, fish and dash
    from bsevents.query import jq
    from bsevents.views import ui

    criteria = request.criteria
    filters: list[tuple[str, str]] = []
    if criteria.types:
        filters.append((f"-t {','.join(sorted(criteria.types))}", jq.types_filter(criteria.types)))
    if criteria.since is not None or criteria.until is not None:
        given = " ".join(shown[o] for o in ("--since", "--until") if o in shown)
        filters.append((given, jq.time_filter(criteria.since, criteria.until)))
    if criteria.grep is not None:
        filters.append((shown["--grep"], jq.grep_filter(criteria.grep)))
    filters += [(f"--where {c.text}", jq.where_filter(c)) for c in criteria.where]
    if request.limit is not None:
        filters.append((f"--limit {request.limit}", jq.limit_filter(request.limit)))
    if request.reverse:
        filters.append(("--reverse", jq.REVERSE))
    if request.view is View.ndjson:
        filters.append(("--view ndjson", jq.NDJSON))
    looks = _view_options(request, shown)
    if not filters and not looks:
        return
    ui.note("curl fetches every event as Blueshift sends it; these options apply to the answer:")
    for given, expression in filters:
        ui.note(f"  {given}:  | jq -c {quote(expression)}")
    if filters:
        together = jq.pipeline([expression for _, expression in filters])
        ui.note(f"  as bsevents shows them:  | jq -c {quote(together)}")
    if looks:
        again = " ".join(looks)
        ui.note(
            f"  {again}: no jq filter draws that; save the answer and run "
            f"bsevents events -f answer.json {again}"
        )


def _view_options(request: Request, shown: dict[str, str]) -> list[str]:
    """The options that shape how the events look, as typed: no curl or jq does that."""
    looks = []
    if request.view in (View.table, View.timeline, View.csv):
        looks.append(f"--view {request.view.value}")
    if "--fields" in shown:
        looks.append(shown["--fields"])
    for given, name in (
        (request.show_all, "--all"),
        (request.utc, "--utc"),
        (request.plan is not None, "--plan PLAN.json"),
        (request.pager is True, "--pager"),
        (request.color is not ColorChoice.auto, f"--color {request.color.value}"),
    ):
        if given:
            looks.append(name)
    return looks


def _watch(
    ctx: Context, source: Source, interval: str, request: Request, *, timeout: float, retries: int
) -> None:
    from bsevents.app.pipeline import customer_uuid
    from bsevents.app.result import FetchOptions
    from bsevents.app.watch import parse_interval, watch
    from bsevents.query.filters import matches
    from bsevents.views import ui
    from bsevents.views.watching import new_events_writer

    seconds = parse_interval(interval, ctx.settings.hourly_cap)
    uuid = customer_uuid(ctx, source, FetchOptions(timeout=timeout, retries=retries))
    on_new = new_events_writer(request.view, request.color, utc=request.utc, clock=ctx.clock.now)
    try:
        reason = watch(
            ctx,
            uuid,
            seconds,
            timeout=timeout,
            on_new=on_new,
            keep=lambda event: matches(event, request.criteria),
            retries=retries,
        )
    except KeyboardInterrupt:
        reason = "stopped"
    ui.note(reason)


def _request(
    view: View | None,
    criteria: Criteria,
    fields: str | None,
    utc: bool,
    show: str | None,
    show_all: bool,
    limit: int | None,
    reverse: bool,
    color: ColorChoice,
    *,
    pager: bool | None,
    profile: str | None,
    source_name: str | None,
    plan: str | None,
) -> Request:
    """What the view is asked to show; the plan is read and checked before any call."""
    from bsevents.model.fields import parse_fields
    from bsevents.views.events import Request

    return Request(
        view=view,
        criteria=criteria,
        fields=parse_fields(fields) if fields is not None else None,
        utc=utc,
        show=show,
        show_all=show_all,
        limit=limit,
        reverse=reverse,
        color=color,
        pager=pager,
        profile=profile,
        source_name=source_name,
        plan=_load_plan(plan),
    )


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
