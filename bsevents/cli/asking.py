"""What `bsevents events` was asked, as one object, and getting its events: options that
cannot apply together are refused first, then the events come from the demo, a saved
file, a watch, a wait, or the store or a live call (asked again once when a stored copy
cannot answer the question)."""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bsevents.cli import scripting
from bsevents.errors import RateLimited, RequestFailed, UsageProblem
from bsevents.model.events import count_trailing_untimed
from bsevents.views import ui
from bsevents.views.events import Request, View

if TYPE_CHECKING:
    from bsevents.app.fetch import EventsResult, FetchOptions
    from bsevents.state.settings import Resolved


@dataclass(frozen=True)
class Asked:
    """Where the events come from and how to get them; how to show them is the views'
    Request."""

    customer: str | None
    uuid: str | None
    email: str | None
    demo: bool
    from_file: str | None
    profile: str | None
    region: str | None
    base_url: str | None
    timeout: float
    retries: int
    curl: bool
    watch: str | None
    wait: str | None
    refresh: bool
    offline: bool
    force: bool
    new: bool
    exit_status: bool
    question: list[str]  # the options that ask the question again, as the user typed them

    @property
    def local(self) -> str | None:
        """The option that makes no call (--demo, --from-file), if one was given."""
        return "--demo" if self.demo else "--from-file" if self.from_file is not None else None


def refuse(asked: Asked, *, show: bool, view: View | None, shaping: dict[str, bool]) -> None:
    """Refuse what cannot apply together. Every option is checked before the call: a typo
    must not cost one of the 10 an hour."""
    refuse_contradictions(
        local=asked.local,
        curl=asked.curl,
        watch=asked.watch is not None,
        offline=asked.offline,
        refresh=asked.refresh,
        force=asked.force,
        new=asked.new,
        show=show,
        view=view,
        shaping=shaping,
    )
    scripting.refuse_clashes(
        wait=asked.wait is not None,
        exit_status=asked.exit_status,
        curl=asked.curl,
        watch=asked.watch is not None,
        local=asked.local is not None,
        others={
            "--offline": asked.offline,
            "--force": asked.force,
            "--new": asked.new,
            "--show": show,
        },
    )


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


def get_events(asked: Asked, request: Request) -> tuple[EventsResult, Request] | None:
    """The events to show, and the request with what only the source knows (the customer's
    dashboard link); None when --curl or --watch has already written its own output."""
    from bsevents.cli.loading import check_like_a_live_run, local_result
    from bsevents.state.settings import resolve

    check_like_a_live_run(
        local=asked.local is not None,
        profile=asked.profile,
        region=asked.region,
        base_url=asked.base_url,
        timeout=asked.timeout,
    )
    local = local_result(
        from_file=asked.from_file,
        demo=asked.demo,
        customer=asked.customer,
        uuid=asked.uuid,
        email=asked.email,
    )
    if local is not None:
        return _arrived(local, asked), request
    resolved = resolve(profile=asked.profile, region=asked.region, base_url=asked.base_url)
    return _get_live(asked, request, resolved)


def _get_live(
    asked: Asked, request: Request, resolved: Resolved
) -> tuple[EventsResult, Request] | None:
    from bsevents.app.fetch import FetchOptions
    from bsevents.cli.who import resolve_customer
    from bsevents.model.regions import dashboard_url

    interval = wait_seconds = None
    if asked.watch is not None:
        from bsevents.app.watch import parse_interval

        interval = parse_interval(asked.watch, resolved.hourly_cap)
    if asked.wait is not None:
        from bsevents.app.wait import parse_wait

        wait_seconds = parse_wait(asked.wait)
    who = resolve_customer(
        resolved,
        asked.customer,
        asked.uuid,
        asked.email,
        curl=asked.curl,
        offline=asked.offline,
        timeout=asked.timeout,
    )
    if who is None:  # --curl printed the request
        return None
    resolved, uuid = who
    if asked.watch is not None:
        from bsevents.cli.watching import run_watch

        run_watch(
            resolved,
            uuid,
            interval,
            timeout=asked.timeout,
            view=request.view,
            color=request.color,
            criteria=request.criteria,
            utc=request.utc,
            retries=asked.retries,
        )
        return None
    options = FetchOptions(
        timeout=asked.timeout,
        refresh=asked.refresh,
        offline=asked.offline,
        force=asked.force,
        retries=asked.retries,
    )
    request = replace(request, dashboard_url=dashboard_url(resolved.region, uuid))
    if wait_seconds is not None:
        waited = scripting.wait_for_events(resolved, uuid, wait_seconds, request.criteria, options)
        return _arrived(waited, asked), request
    from bsevents.cli.loading import live_result

    result = live_result(resolved, uuid, options)
    return _ask_again_on_miss(resolved, uuid, options, _arrived(result, asked), asked, request)


def _arrived(result: EventsResult, asked: Asked) -> EventsResult:
    """Notes on what arrived, and with --new only the new events."""
    # Everything loaded lives until the process ends: keep the garbage collector from
    # walking those objects again and again while the view is drawn.
    gc.freeze()
    untimed = count_trailing_untimed(result.events)
    if untimed:
        ui.note(
            f"{untimed} event has no usable time; it is listed last"
            if untimed == 1
            else f"{untimed} events have no usable time; they are listed last"
        )
    for note in result.notes:
        ui.note(note)
    return _only_new(result) if asked.new else result


def _only_new(result: EventsResult) -> EventsResult:
    from bsevents.model.events import event_key

    kept = [e for e in result.events if event_key(e) in result.new_keys]
    return replace(result, events=kept)


def _ask_again_on_miss(
    resolved: Resolved,
    uuid: str,
    options: FetchOptions,
    result: EventsResult,
    asked: Asked,
    request: Request,
) -> tuple[EventsResult, Request]:
    """A question that a stored copy cannot answer is asked of Blueshift once (see
    `source.refresh_on_miss`), so that an old copy never gives a stale "no"."""
    import shlex

    from bsevents.app import fetch as source
    from bsevents.views.events import describe_miss

    if result.origin != "cache":
        return result, request
    what = describe_miss(result, request, new=asked.new)
    if what is None:
        return result, request
    chosen_by = ["--profile", asked.profile] if asked.profile is not None else []
    if asked.region is not None:
        chosen_by += ["--region", asked.region]
    again = ["bsevents", "events", uuid, *chosen_by, *asked.question, "--refresh"]
    try:
        with ui.Spinner("receiving") as spinner:
            fresh = source.refresh_on_miss(
                resolved,
                uuid,
                options,
                result,
                source.Miss(what, shlex.join(again)),
                notify=ui.note,
                tell=ui.say,
                warn=ui.warn,
                debug=ui.debug,
                progress=spinner,
            )
    except (RequestFailed, RateLimited) as failed:
        # The stored copy is still an answer: show it, saying that it could not be checked.
        ui.warn(f"{failed.message}; showing the stored copy, which may be stale")
        return result, request
    if fresh is None:
        return result, request
    return _arrived(fresh, asked), request


def question_args(
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
