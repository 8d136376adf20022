"""`bsevents events`: fetch one customer's events and show them."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Annotated

import typer

from bsevents import ui
from bsevents.cli import scripting
from bsevents.cli.helptext import CALLS, CUSTOMER
from bsevents.cli.options import BaseUrlOption, ProfileOption, RegionOption
from bsevents.cli.output import ColorChoice
from bsevents.cli.scripting import ExitStatusOption, WaitOption, WhereOption
from bsevents.cli.views import DEFAULT_SHOWN, FILTER_PANEL, VIEW_PANEL, Request, View, render
from bsevents.errors import RateLimited, RequestFailed, UsageProblem
from bsevents.events import count_trailing_untimed
from bsevents.filters import make_criteria
from bsevents.render.fields import parse_fields

if TYPE_CHECKING:
    from bsevents.settings import Resolved
    from bsevents.source import EventsResult, FetchOptions


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
            min=0.1,
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
            min=0,
            max=5,
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
    if debug:
        ui.terminal().debugging = True
    if quiet:
        ui.terminal().quiet = True
    from bsevents import source

    if color is not ColorChoice.auto:
        ui.terminal().color = color is ColorChoice.always
    chosen = View.json if as_json else view
    if as_json and view not in (None, View.json):
        raise UsageProblem(f"--json and --view {view.value} ask for different views", "give one")
    if show_all and limit is not None:
        raise UsageProblem("--all and --limit contradict each other", "give one of them")
    if show is not None and chosen not in (None, View.json):
        raise UsageProblem("--show prints one event as JSON; it takes no other --view")
    # Every option is checked before the call: a typo must not cost one of the 10 an hour.
    refuse_contradictions(
        local="--demo" if demo else "--from-file" if from_file is not None else None,
        curl=curl,
        watch=watch is not None,
        offline=offline,
        refresh=refresh,
        force=force,
        new=new,
        show=show is not None,
        view=chosen,
        shaping={
            "--fields": fields is not None,
            "--limit": limit is not None,
            "--all": show_all,
            "--reverse": reverse,
        },
    )
    scripting.refuse_clashes(
        wait=wait is not None,
        exit_status=exit_status,
        curl=curl,
        watch=watch is not None,
        local=demo or from_file is not None,
        others={"--offline": offline, "--force": force, "--new": new, "--show": show is not None},
    )
    criteria = make_criteria(types=types, since=since, until=until, grep=grep, utc=utc, where=where)
    picked = parse_fields(fields) if fields is not None else None
    loaded_plan = None
    if plan is not None:  # read and checked before any call is spent
        from bsevents.plan import load_plan

        loaded_plan = load_plan(plan)
    if (demo or from_file is not None) and (profile, region, base_url) != (None, None, None):
        from bsevents.settings import resolve

        # No call is made, but a typo is still a typo: checked as a live run checks it.
        resolve(profile=profile, region=region, base_url=base_url)
    asked: tuple[Resolved, str, FetchOptions, list[str]] | None = None
    dashboard: str | None = None
    from bsevents.cli.loading import live_result, local_result

    local = local_result(from_file=from_file, demo=demo, customer=customer, uuid=uuid, email=email)
    if local is not None:
        result = local
    else:
        from bsevents.settings import resolve

        resolved = resolve(profile=profile, region=region, base_url=base_url)
        if pager is None:
            pager = bool(resolved.values["pager"])
        if watch is not None:
            from bsevents.watch import parse_interval

            interval = parse_interval(watch, resolved.hourly_cap)
        if wait is not None:
            from bsevents.wait import parse_wait

            wait_seconds = parse_wait(wait)
        from bsevents.cli.who import resolve_customer

        who = resolve_customer(
            resolved, customer, uuid, email, curl=curl, offline=offline, timeout=timeout
        )
        if who is None:  # --curl printed the request
            return
        resolved, who_uuid = who
        if watch is not None:
            from bsevents.cli.watching import run_watch

            run_watch(
                resolved,
                who_uuid,
                interval,
                timeout=timeout,
                view=chosen,
                color=color,
                criteria=criteria,
                utc=utc,
                retries=retries,
            )
            return
        options = source.FetchOptions(
            timeout=timeout, refresh=refresh, offline=offline, force=force, retries=retries
        )
        if wait is not None:
            from bsevents.regions import dashboard_url

            result = scripting.wait_for_events(resolved, who_uuid, wait_seconds, criteria, options)
            dashboard = dashboard_url(resolved.region, who_uuid)
        else:
            result, dashboard = live_result(resolved, who_uuid, options)
            chosen_by = ["--profile", profile] if profile is not None else []
            if region is not None:
                chosen_by += ["--region", region]
            asked = (resolved, who_uuid, options, chosen_by)
    # Everything loaded lives until the process ends: keep the garbage collector from
    # walking those objects again and again while the view is drawn.
    gc.freeze()
    _report(result)
    if new:
        result = _only_new(result)
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
        dashboard_url=dashboard,
        plan=loaded_plan,
    )
    if asked is not None:
        question = _question_args(types, since, until, grep, show, new=new)
        result = _ask_again_on_miss(*asked, result, request, question, new=new)
    render(result, request)
    if exit_status:
        scripting.require_match(result.events, criteria)


def refuse_contradictions(
    *,
    local: str | None,
    curl: bool,
    watch: bool,
    offline: bool,
    refresh: bool,
    force: bool,
    new: bool,
    show: bool,
    view: View | None,
    shaping: dict[str, bool],
) -> None:
    """Refuse options that cannot apply together, rather than silently ignore one.
    `shaping` holds the options that shape a whole listing (meaningless for --watch)."""
    live_only = {
        "--curl": curl,
        "--watch": watch,
        "--offline": offline,
        "--refresh": refresh,
        "--force": force,
        "--new": new,
    }
    if local is not None:
        for name, given in live_only.items():
            if given:
                raise UsageProblem(
                    f"{name} is about calls to Blueshift; {local} makes none",
                    f"drop {name}, or give a customer instead of {local}",
                )
    clashes = {
        "--curl": (
            curl,
            "prints the request and exits",
            {
                "--watch": watch,
                "--offline": offline,
                "--refresh": refresh,
                "--force": force,
                "--new": new,
                "--show": show,
            },
        ),
        "--watch": (
            watch,
            "polls live and prints only the new events",
            {
                "--offline": offline,
                "--new": new,
                "--show": show,
                "--refresh": refresh,
                "--force": force,
                "--view csv": view is View.csv,
                **shaping,
            },
        ),
    }
    for name, (given, what, others) in clashes.items():
        for other, clash in others.items():
            if given and clash:
                raise UsageProblem(f"{name} and {other} do not go together: {name} {what}")


def _report(result: EventsResult) -> None:
    untimed = count_trailing_untimed(result.events)
    if untimed:
        ui.note(
            f"{untimed} event has no usable time; it is listed last"
            if untimed == 1
            else f"{untimed} events have no usable time; they are listed last"
        )
    for note in result.notes:
        ui.note(note)


def _only_new(result: EventsResult) -> EventsResult:
    from dataclasses import replace

    from bsevents.events import event_key

    kept = [e for e in result.events if event_key(e) in result.new_keys]
    return replace(result, events=kept)


def _question_args(
    types: list[str] | None,
    since: str | None,
    until: str | None,
    grep: str | None,
    show: str | None,
    *,
    new: bool,
) -> list[str]:
    """The options that ask the question again, as the user would type them."""
    args = [arg for name in types or [] for arg in ("-t", name)]
    for option, value in (("--since", since), ("--until", until), ("--grep", grep)):
        if value is not None:
            args += [option, value]
    if show is not None:
        args += ["--show", show]
    return [*args, "--new"] if new else args


def _ask_again_on_miss(
    resolved: Resolved,
    uuid: str,
    options: FetchOptions,
    chosen_by: list[str],
    result: EventsResult,
    request: Request,
    question: list[str],
    *,
    new: bool,
) -> EventsResult:
    """A question that a stored copy cannot answer is asked of Blueshift once (see
    `source.refresh_on_miss`), so that an old copy never gives a stale "no"."""
    import shlex

    from bsevents import source
    from bsevents.cli.views import describe_miss

    if result.origin != "cache":
        return result
    what = describe_miss(result, request, new=new)
    if what is None:
        return result
    command = shlex.join(["bsevents", "events", uuid, *chosen_by, *question, "--refresh"])
    try:
        with ui.Spinner("receiving") as spinner:
            fresh = source.refresh_on_miss(
                resolved,
                uuid,
                options,
                result,
                source.Miss(what, command),
                notify=ui.note,
                tell=ui.say,
                warn=ui.warn,
                debug=ui.debug,
                progress=spinner,
            )
    except (RequestFailed, RateLimited) as failed:
        # The stored copy is still an answer: show it, saying that it could not be checked.
        ui.warn(f"{failed.message}; showing the stored copy, which may be stale")
        return result
    if fresh is None:
        return result
    _report(fresh)
    return _only_new(fresh) if new else fresh
