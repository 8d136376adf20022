"""`bsevents reconcile CAPTURE [CUSTOMER]`: what a browser or app sent, set against what
arrived."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bsevents.cli.helptext import VIEW
from bsevents.cli.options import (
    BaseUrlOption,
    ColorOption,
    CustomerArgument,
    DebugOption,
    EmailOption,
    ForceOption,
    FromFileOption,
    OfflineOption,
    ProfileOption,
    QuietOption,
    RefreshOption,
    RegionOption,
    RetriesOption,
    TimeoutOption,
    UtcOption,
    UuidOption,
    WaitOption,
)
from bsevents.errors import AnswerIsNo, UsageProblem
from bsevents.views.choices import ColorChoice

if TYPE_CHECKING:
    from bsevents.app.pipeline import Source
    from bsevents.app.reconcile import Reconciliation
    from bsevents.model.sent import Capture

MAX_WINDOW = 7 * 86400.0
MATCHING = "Matching"


def reconcile_command(
    command: typer.Context,
    capture: Annotated[
        str,
        typer.Argument(
            metavar="CAPTURE",
            help="A HAR file (DevTools: Save all as HAR, or a proxy's export) or a file of "
            "Event API bodies; - reads stdin.",
            show_default=False,
        ),
    ],
    customer: CustomerArgument = None,
    uuid: UuidOption = None,
    email: EmailOption = None,
    from_file: FromFileOption = None,
    window: Annotated[
        str,
        typer.Option(
            "--window",
            metavar="DURATION",
            help="How long after its send an event may arrive and still match (e.g. 2h).",
            rich_help_panel=MATCHING,
        ),
    ] = "1h",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 6 when a sent event arrived changed, too.",
            rich_help_panel=VIEW,
        ),
    ] = False,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also list the arrived events within the capture's time that match "
            "nothing sent (unsent: another device or a server sent them).",
            rich_help_panel=VIEW,
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="A JSON array (the default when piped).", rich_help_panel=VIEW),
    ] = False,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    profile: ProfileOption = None,
    timeout: TimeoutOption = 30.0,
    retries: RetriesOption = 2,
    refresh: RefreshOption = False,
    offline: OfflineOption = False,
    force: ForceOption = False,
    wait: WaitOption = None,
    utc: UtcOption = False,
    color: ColorOption = ColorChoice.auto,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Set what a browser or app sent (a HAR capture, or Event API bodies) against what
    arrived: each sent event arrived, changed, missing, rejected or blocked. Exit 6 when
    one did not arrive."""
    import sys

    from bsevents.app import reconcile
    from bsevents.app.result import FetchOptions
    from bsevents.cli import asking
    from bsevents.views.output import use_terminal

    use_terminal(quiet=quiet, debug=debug, color=color)
    given = _given_source(customer, uuid, email, from_file)
    # Every option is checked before the capture is read or a call spent.
    local = given.local if given is not None else None
    asking.refuse_contradictions(local=local, offline=offline, refresh=refresh, force=force)
    asking.refuse_wait_clashes(
        wait=wait is not None,
        exit_status=False,
        curl=False,
        watch=False,
        local=local is not None,
        others={"--offline": offline, "--force": force},
    )
    if capture == "-" and from_file == "-":
        raise UsageProblem("CAPTURE and --from-file cannot both read stdin", "give one as a file")
    seconds = _window(window)
    waiting = _wait_seconds(wait)
    options = FetchOptions(
        timeout=timeout, refresh=refresh, offline=offline, force=force, retries=retries
    )
    ctx = asking.context(command, given, profile=profile, region=region, base_url=base_url)
    with ctx:
        read = reconcile.read_capture(ctx, capture, getattr(sys.stdin, "buffer", None))
        source = given if given is not None else _from_capture(read, capture)
        request = reconcile.Request(read, source, options, capture, seconds, waiting, show_all)
        done = reconcile.run(ctx, request)
    _show(done, capture, as_json=as_json, color=color, utc=utc, strict=strict)


def _given_source(
    customer: str | None, uuid: str | None, email: str | None, from_file: str | None
) -> Source | None:
    """The customer as given (CUSTOMER, --uuid, --email) or --from-file; None when the
    capture is to name it."""
    if customer is None and uuid is None and email is None and from_file is None:
        return None
    from bsevents.cli import asking

    return asking.source(customer, uuid, email, from_file=from_file, command="reconcile CAPTURE")


def _from_capture(capture: Capture, path: str) -> Source:
    """The customer the capture's events name by email, to look up."""
    from bsevents.app.pipeline import Source
    from bsevents.app.reconcile import customer_in
    from bsevents.model.customer import check_email

    name = "stdin" if path == "-" else path
    return Source(email=check_email(customer_in(capture, name)))


def _window(text: str) -> float:
    from bsevents.model.times import duration_option

    return duration_option("--window", text, longest=(MAX_WINDOW, "a week"), example="2h")


def _wait_seconds(text: str | None) -> float | None:
    if text is None:
        return None
    from bsevents.app.wait import parse_wait

    return parse_wait(text)


def _show(
    done: Reconciliation, path: str, *, as_json: bool, color: ColorChoice, utc: bool, strict: bool
) -> None:
    from bsevents.cli import asking
    from bsevents.query.reconcile import not_arrived, summary
    from bsevents.views import ui
    from bsevents.views.output import stdout_is_terminal, write_chunks

    asking.say_notes(done.result)
    for note in done.notes:
        ui.note(note)
    if done.deadline is not None:
        ui.note(done.deadline)
    outcomes = done.outcomes
    if as_json or not stdout_is_terminal():
        from bsevents.views.reconcile import outcomes_json

        write_chunks(outcomes_json(outcomes))
    else:
        _table(done, path, color=color, utc=utc)
    line = summary(outcomes)
    if not_arrived(outcomes, strict=strict):
        raise AnswerIsNo(line)
    ui.note(line)


def _table(done: Reconciliation, path: str, *, color: ColorChoice, utc: bool) -> None:
    from datetime import timezone

    from rich.console import Console

    from bsevents.views.output import show_human
    from bsevents.views.reconcile import render_outcomes

    result = done.result
    name = "stdin" if path == "-" else path
    parts = [f"reconcile · {name}"]
    if result.uuid:
        parts.append(f"customer {result.uuid}")
    title = " · ".join(parts)

    def draw(console: Console) -> None:
        render_outcomes(
            console,
            done.outcomes,
            title=title,
            tz=timezone.utc if utc else None,
            dashboard_url=result.dashboard_url,
        )

    show_human(draw, color=color, page=False)
