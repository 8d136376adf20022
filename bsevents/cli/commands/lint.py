"""`bsevents lint`: check one customer's events against built-in rules and a tracking plan."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

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
from bsevents.cli.scripting import WhereOption
from bsevents.errors import AnswerIsNo, UsageProblem
from bsevents.query.filters import make_criteria, select
from bsevents.views import ui
from bsevents.views.output import ColorChoice, use_terminal

if TYPE_CHECKING:
    from bsevents.app.fetch import EventsResult
    from bsevents.model.events import Event
    from bsevents.query.lint import Finding

PlanOption = Annotated[
    str | None,
    typer.Option(
        "--plan",
        metavar="PLAN.json",
        help="A tracking plan: a JSON object of event names to JSON Schemas (2020-12); "
        '"*" applies to every event.',
    ),
]


def lint_command(
    customer: Annotated[
        str | None,
        typer.Argument(
            metavar="CUSTOMER",
            help="Customer UUID, a dashboard URL copied from the browser, or an email.",
            show_default=False,
        ),
    ] = None,
    uuid: Annotated[
        str | None,
        typer.Option("--uuid", "-u", metavar="CUSTOMER", help="Same as CUSTOMER."),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            metavar="ADDRESS",
            help="Find the customer by email (Search customer; costs no events call).",
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Lint the bundled demo journey: no key, no call.")
    ] = False,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from-file",
            "-f",
            metavar="PATH",
            help="Lint a saved response (- for stdin): --json output, NDJSON or a Postman "
            "export. No key, no call.",
        ),
    ] = None,
    plan: PlanOption = None,
    infer: Annotated[
        bool,
        typer.Option("--infer", help="Print a tracking plan inferred from the events, for --plan."),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 6 on warnings too, not only on errors.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Findings as JSON (the default when piped).")
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
        ),
    ] = 30.0,
    retries: Annotated[
        int,
        typer.Option(
            "--retries",
            metavar="N",
            parser=whole_number(low=0, high=5),
            help="Retry 502/503/504 and dropped connections up to N times (each retry is "
            "a call of the budget; never past the cap).",
        ),
    ] = 2,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Make a live call even if a fresh copy is stored.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never call: lint the last stored response.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Call even at the hourly cap or after a 429 (live call)."),
    ] = False,
    utc: Annotated[bool, typer.Option("--utc", help="Show times in UTC.")] = False,
    color: Annotated[
        ColorChoice,
        typer.Option("--color", help="Colour: auto, always or never."),
    ] = ColorChoice.auto,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors still show).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
    ] = False,
    types: TypesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    grep: GrepOption = None,
    where: WhereOption = None,
) -> None:
    """Check one customer's events for double sends, type drift, placeholder values, bad
    times and names, and against a tracking plan. Exit 6 when there is an error."""
    use_terminal(quiet=quiet, debug=debug, color=color)
    from bsevents.cli.asking import refuse_contradictions

    # Every option is checked before the call: a typo must not cost one of the 10 an hour.
    refuse_contradictions(
        local="--demo" if demo else "--from-file" if from_file is not None else None,
        curl=False,
        watch=False,
        offline=offline,
        refresh=refresh,
        force=force,
        new=False,
        show=False,
        view=None,
        shaping={},
    )
    if infer and (plan is not None or strict):
        raise UsageProblem("--infer writes a plan; it checks nothing", "drop --plan and --strict")
    criteria = make_criteria(types=types, since=since, until=until, grep=grep, utc=utc, where=where)
    loaded = None
    if plan is not None:
        from bsevents.query.plan import load_plan

        loaded = load_plan(plan)
    result = _load(
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
        refresh=refresh,
        offline=offline,
        force=force,
    )
    for line in result.notes:
        ui.note(line)
    events = select(result.events, criteria).events
    if infer:
        _write_inferred(events)
        return
    from bsevents.query.lint import Batch, count_line, lint, sort_findings

    batch = Batch.of(events, time.time())
    findings = lint(batch)
    if loaded is not None:
        from bsevents.query.plan import check_plan

        findings += check_plan(loaded, batch)
    findings = sort_findings(findings)
    from bsevents.views.events import view_title

    title = f"lint · {view_title(result, from_file)}"
    _render(findings, title, as_json=as_json, color=color, utc=utc)
    summary = count_line(findings, len(events))
    if any(f.severity == "error" for f in findings) or (strict and findings):
        raise AnswerIsNo(summary)
    ui.note(summary)


def _load(
    *,
    customer: str | None,
    uuid: str | None,
    email: str | None,
    demo: bool,
    from_file: str | None,
    profile: str | None,
    region: str | None,
    base_url: str | None,
    timeout: float,
    retries: int,
    refresh: bool,
    offline: bool,
    force: bool,
) -> EventsResult:
    """The events, the same ways `events` gets them (and under the same budget)."""
    import gc

    from bsevents.cli.loading import check_like_a_live_run, live_result, local_result
    from bsevents.state.settings import resolve

    check_like_a_live_run(
        local=demo or from_file is not None,
        profile=profile,
        region=region,
        base_url=base_url,
        timeout=timeout,
    )
    result = local_result(from_file=from_file, demo=demo, customer=customer, uuid=uuid, email=email)
    if result is None:
        from bsevents.app import fetch as source
        from bsevents.cli.who import resolve_customer

        resolved = resolve(profile=profile, region=region, base_url=base_url)
        who = resolve_customer(
            resolved, customer, uuid, email, curl=False, offline=offline, timeout=timeout
        )
        assert who is not None  # only --curl answers None
        resolved, who_uuid = who
        options = source.FetchOptions(
            timeout=timeout, refresh=refresh, offline=offline, force=force, retries=retries
        )
        result = live_result(resolved, who_uuid, options)
    # Loaded events live until the process ends: spare the collector walking them again.
    gc.freeze()
    return result


def _write_inferred(events: list[Event]) -> None:
    from bsevents.query.plan import infer_plan
    from bsevents.views.jsonout import pretty_json
    from bsevents.views.lint import escape_surrogates
    from bsevents.views.output import write_chunks

    inferred = infer_plan(events)
    write_chunks([escape_surrogates(pretty_json(inferred))])
    ui.note(f"a plan for {len(inferred)} event names from {len(events)} events")


def _render(
    findings: list[Finding], title: str, *, as_json: bool, color: ColorChoice, utc: bool
) -> None:
    from bsevents.views.output import make_console, stdout_is_terminal, write_chunks

    if as_json or not stdout_is_terminal():
        from bsevents.views.lint import findings_json

        write_chunks(findings_json(findings))
        return
    from datetime import timezone

    from bsevents.views.lint import render_findings

    render_findings(make_console(color), findings, title=title, tz=timezone.utc if utc else None)
