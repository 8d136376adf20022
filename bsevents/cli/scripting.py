"""The options of `events` for scripts and CI: `--where`, `--exit-status` and `--wait`,
and the steps they add to the command (checks before any call, the wait, the final
yes-or-no)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bsevents.cli.helptext import CALLS
from bsevents.errors import AnswerIsNo, UsageProblem
from bsevents.views import ui
from bsevents.views.events import FILTER_PANEL

if TYPE_CHECKING:
    from bsevents.app.fetch import EventsResult, FetchOptions
    from bsevents.model.events import Event
    from bsevents.query.filters import Criteria
    from bsevents.state.settings import Resolved

WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="COND",
        help="Only events where COND holds: PATH=VALUE, PATH!=VALUE, PATH>N, PATH>=N, "
        "PATH<N, PATH<=N, PATH~TEXT (contains, ignoring case) or a bare PATH (present, not "
        "null). PATH is dotted like --fields. Repeat: all must hold.",
        rich_help_panel=FILTER_PANEL,
    ),
]
ExitStatusOption = Annotated[
    bool,
    typer.Option(
        "--exit-status",
        "-e",
        help="Exit 6 when no event passes the filters (like grep).",
        rich_help_panel=FILTER_PANEL,
    ),
]
WaitOption = Annotated[
    str | None,
    typer.Option(
        "--wait",
        metavar="DURATION",
        help="Ask again, paced within the hourly budget, until an event passes the "
        "filters (e.g. 15m); exit 6 at the deadline.",
        rich_help_panel=CALLS,
    ),
]


def refuse_clashes(
    *, wait: bool, exit_status: bool, curl: bool, watch: bool, local: bool, others: dict[str, bool]
) -> None:
    """Refuse what --wait and --exit-status cannot honour, before anything is spent.
    `others` holds the live-call options that --wait decides for itself."""
    if exit_status and (curl or watch):
        name = "--curl" if curl else "--watch"
        raise UsageProblem(f"--exit-status and {name} do not go together: {name} shows no answer")
    if not wait:
        return
    if local:
        raise UsageProblem(
            "--wait asks Blueshift again and again; --demo and --from-file make no call",
            "give a customer instead",
        )
    for name, given in {"--curl": curl, "--watch": watch, **others}.items():
        if given:
            raise UsageProblem(f"--wait and {name} do not go together")


def looked_for(criteria: Criteria) -> str:
    """What the filters ask for, in words: `purchase event with order_id=ORD-1`."""
    parts = [" or ".join(sorted(criteria.types)) + " event" if criteria.types else "event"]
    if criteria.where:
        parts.append("with " + " and ".join(c.text for c in criteria.where))
    if criteria.grep is not None:
        parts.append(f"containing {criteria.grep!r}")
    if criteria.since is not None or criteria.until is not None:
        parts.append("in the --since/--until range")
    return " ".join(parts)


def wait_for_events(
    resolved: Resolved, uuid: str, seconds: float, criteria: Criteria, options: FetchOptions
) -> EventsResult:
    """The first answer in which an event passes the filters (AnswerIsNo at the deadline)."""
    from bsevents.app.wait import wait_for
    from bsevents.query.filters import matches

    waited = wait_for(
        resolved,
        uuid,
        seconds,
        first=options,
        passes=lambda event: matches(event, criteria),
        looked_for=f"{looked_for(criteria)} for customer {uuid}",
        notify=ui.note,
        warn=ui.warn,
        debug=ui.debug,
    )
    if waited.calls or waited.elapsed >= 1:
        ui.note(f"found after {waited.elapsed:.0f} s · {_calls(waited.calls)}")
    return waited.result


def require_match(events: list[Event], criteria: Criteria) -> None:
    """--exit-status: AnswerIsNo (exit 6) when no event passes the filters."""
    from bsevents.query.filters import select

    if select(events, criteria).matching == 0:
        raise AnswerIsNo("no event passes the filters")


def _calls(count: int) -> str:
    return "1 call" if count == 1 else f"{count} calls"
