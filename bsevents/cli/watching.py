"""`--watch`: new events as they arrive, as a timeline on a terminal, NDJSON when piped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bsevents import ui
from bsevents.cli.output import ColorChoice
from bsevents.cli.views import View
from bsevents.errors import UsageProblem

if TYPE_CHECKING:
    from bsevents.events import Event
    from bsevents.settings import Resolved


def run_watch(
    resolved: Resolved,
    uuid: str,
    interval: str,
    *,
    timeout: float,
    view: View | None,
    color: ColorChoice,
) -> None:
    from bsevents.cli.output import make_console, stdout_is_terminal, write_chunks
    from bsevents.timefmt import clock, parse_duration
    from bsevents.watch import watch

    requested = None if interval == "auto" else parse_duration(interval)
    if interval != "auto" and requested is None:
        raise UsageProblem(
            f"--watch {interval!r} is not an interval", "for example --watch 8m, or plain --watch"
        )
    as_timeline = stdout_is_terminal() and view in (None, View.table, View.timeline)

    def on_new(events: list[Event]) -> None:
        import time

        from bsevents.events import sort_events

        ordered = sort_events(events)
        if as_timeline:
            from bsevents.render.timeline import render_timeline

            count = f"{len(ordered)} new event{'s' if len(ordered) != 1 else ''}"
            title = f"{count} at {clock(time.time())}"
            render_timeline(make_console(color), ordered, title=title)
        else:
            from bsevents.render.jsonout import ndjson_chunks

            write_chunks(ndjson_chunks(ordered))

    try:
        reason = watch(
            resolved,
            uuid,
            requested,
            timeout=timeout,
            on_new=on_new,
            notify=ui.note,
            warn=ui.warn,
        )
    except KeyboardInterrupt:
        reason = "stopped"
    ui.note(reason)
