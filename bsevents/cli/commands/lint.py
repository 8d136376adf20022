"""`bsevents lint`: check one customer's events against built-in rules and a tracking plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bsevents.cli.helptext import VIEW
from bsevents.cli.options import (
    BaseUrlOption,
    ColorOption,
    CustomerArgument,
    DebugOption,
    DemoOption,
    EmailOption,
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
    WhereOption,
)
from bsevents.errors import AnswerIsNo, UsageProblem
from bsevents.views.choices import ColorChoice

if TYPE_CHECKING:
    from bsevents.model.events import Event
    from bsevents.query.lint import Batch, Finding

PlanOption = Annotated[
    str | None,
    typer.Option(
        "--plan",
        metavar="PLAN.json",
        help="A tracking plan: a JSON object of event names to JSON Schemas (2020-12); "
        '"*" applies to every event.',
        rich_help_panel=VIEW,
    ),
]


def lint_command(
    command: typer.Context,
    customer: CustomerArgument = None,
    uuid: UuidOption = None,
    email: EmailOption = None,
    demo: DemoOption = False,
    from_file: FromFileOption = None,
    plan: PlanOption = None,
    infer: Annotated[
        bool,
        typer.Option(
            "--infer",
            help="Print a tracking plan inferred from the events, for --plan.",
            rich_help_panel=VIEW,
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit 6 on warnings too, not only on errors.", rich_help_panel=VIEW
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Findings as JSON (the default when piped).", rich_help_panel=VIEW
        ),
    ] = False,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    profile: ProfileOption = None,
    timeout: TimeoutOption = 30.0,
    retries: RetriesOption = 2,
    refresh: RefreshOption = False,
    offline: OfflineOption = False,
    force: ForceOption = False,
    utc: UtcOption = False,
    color: ColorOption = ColorChoice.auto,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    types: TypesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    grep: GrepOption = None,
    where: WhereOption = None,
) -> None:
    """Check one customer's events for double sends, type drift, placeholder values, bad
    times and names, and against a tracking plan. Exit 6 when there is an error."""
    from bsevents.app.pipeline import Ask, Question, answer
    from bsevents.app.result import FetchOptions
    from bsevents.cli import asking
    from bsevents.query.filters import make_criteria, select
    from bsevents.views import ui
    from bsevents.views.output import use_terminal

    use_terminal(quiet=quiet, debug=debug, color=color)
    source = asking.source(customer, uuid, email, demo=demo, from_file=from_file, command="lint")
    # Every option is checked before the call: a typo must not cost one of the 10 an hour.
    asking.refuse_contradictions(local=source.local, offline=offline, refresh=refresh, force=force)
    if infer and (plan is not None or strict):
        raise UsageProblem("--infer writes a plan; it checks nothing", "drop --plan and --strict")
    criteria = make_criteria(types=types, since=since, until=until, grep=grep, utc=utc, where=where)
    loaded = None
    if plan is not None:
        from bsevents.query.plan import load_plan

        loaded = load_plan(plan)
    options = FetchOptions(
        timeout=timeout, refresh=refresh, offline=offline, force=force, retries=retries
    )
    again = asking.question_args(types, since, until, grep, where, utc=utc)
    question = Question(criteria, again=again)
    ctx = asking.context(command, source, profile=profile, region=region, base_url=base_url)
    with ctx:
        result = answer(ctx, Ask(source, options, question, command="lint"))
    asking.say_notes(result)
    events = select(result.events, criteria).events
    if infer:
        _write_inferred(events)
        return
    from bsevents.query.lint import Batch, count_line
    from bsevents.query.plan import findings as all_findings

    batch = Batch.of(events, ctx.clock.now())
    findings = all_findings(batch, loaded)
    from bsevents.views.events import view_title

    title = f"lint · {view_title(result, from_file)}"
    _render(findings, title, batch, as_json=as_json, color=color, utc=utc)
    summary = count_line(findings, len(events))
    if any(f.severity == "error" for f in findings) or (strict and findings):
        raise AnswerIsNo(summary)
    ui.note(summary)


def _write_inferred(events: list[Event]) -> None:
    from bsevents.query.plan import infer_plan
    from bsevents.views import ui
    from bsevents.views.jsonout import pretty_json
    from bsevents.views.output import write_chunks

    inferred = infer_plan(events)
    write_chunks([pretty_json(inferred)])
    from bsevents.model.words import counted

    ui.note(
        f"a plan for {counted(len(inferred), 'event name')} from {counted(len(events), 'event')}"
    )


def _render(
    findings: list[Finding],
    title: str,
    batch: Batch,
    *,
    as_json: bool,
    color: ColorChoice,
    utc: bool,
) -> None:
    from bsevents.views.output import make_console, stdout_is_terminal, write_chunks

    if as_json or not stdout_is_terminal():
        from bsevents.views.lint import findings_json

        write_chunks(findings_json(findings))
        return
    from datetime import timezone

    from bsevents.model.ids import ShortIds
    from bsevents.views.lint import render_findings

    render_findings(
        make_console(color),
        findings,
        title=title,
        tz=timezone.utc if utc else None,
        ids=ShortIds(batch.id_counts),
        events=batch.events,
    )
