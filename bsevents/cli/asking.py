"""From the options every events-reading command shares to what it asks the pipeline:
the options that cannot go together are refused first (a typo must not cost one of the
10 calls an hour), then the source, the run's context and the `Ask`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bsevents.errors import UsageProblem

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Source
    from bsevents.app.result import EventsResult
    from bsevents.query.filters import Criteria
    from bsevents.views.choices import View


def refuse_contradictions(
    *,
    local: str | None,
    curl: bool = False,
    watch: bool = False,
    offline: bool = False,
    refresh: bool = False,
    force: bool = False,
    new: bool = False,
    show: bool = False,
    view: View | None = None,
    shaping: dict[str, bool] | None = None,
) -> None:
    """Refuse options that cannot apply together, rather than silently ignore one.
    `shaping` holds the options that shape a whole listing (meaningless for --watch)."""
    from bsevents.views.choices import View

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
                **(shaping or {}),
            },
        ),
    }
    for name, (given, what, others) in clashes.items():
        for other, clash in others.items():
            if given and clash:
                raise UsageProblem(f"{name} and {other} do not go together: {name} {what}")


def refuse_wait_clashes(
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


def source(
    customer: str | None,
    uuid: str | None,
    email: str | None,
    *,
    demo: bool = False,
    from_file: str | None = None,
    command: str = "events",
) -> Source:
    from bsevents.app.pipeline import Source

    return Source.parse(
        customer, uuid, email, demo=demo, from_file=from_file, example=f"bsevents {command}"
    )


def context(
    command: Any,
    source: Source | None,
    *,
    profile: str | None,
    region: str | None,
    base_url: str | None,
) -> Context:
    """The run's context: the settings these flags and the customer's dashboard URL
    choose, and the runtime the root command made (`command` is the typer.Context)."""
    from bsevents.cli.runtime import of

    url_region = source.url_region if source is not None else None
    return of(command).context(
        profile=profile, region=region, base_url=base_url, url_region=url_region
    )


def question_args(
    types: list[str] | None,
    since: str | None,
    until: str | None,
    grep: str | None,
    where: list[str] | None,
    *,
    utc: bool = False,
    show: str | None = None,
    new: bool = False,
) -> tuple[str, ...]:
    """The options that ask the question again, as the user typed them: every filter
    (`--utc` too, which decides how a bare --since/--until date is read)."""
    args = [arg for name in types or [] for arg in ("-t", name)]
    for option, value in (("--since", since), ("--until", until), ("--grep", grep)):
        if value is not None:
            args += [option, value]
    args += [arg for condition in where or [] for arg in ("--where", condition)]
    if utc and (since is not None or until is not None):
        args.append("--utc")
    if show is not None:
        args += ["--show", show]
    return (*args, "--new") if new else tuple(args)


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


def say_notes(result: EventsResult) -> None:
    """The answer's notes on stderr, then what it has to tell."""
    from bsevents.views import ui

    for note in result.notes:
        ui.note(note)
    for line in result.told:
        ui.say(line)
