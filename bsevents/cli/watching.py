"""`--watch`: new events as they arrive, as a timeline on a terminal, NDJSON when piped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bsevents.views import ui
from bsevents.views.events import View
from bsevents.views.output import ColorChoice

if TYPE_CHECKING:
    from bsevents.model.events import Event
    from bsevents.query.filters import Criteria
    from bsevents.state.settings import Resolved


def run_watch(
    resolved: Resolved,
    uuid: str,
    requested: float | None,
    *,
    timeout: float,
    view: View | None,
    color: ColorChoice,
    criteria: Criteria,
    utc: bool = False,
    retries: int = 2,
) -> None:
    """Watch the customer (the interval already checked by watch.parse_interval): new
    events that pass the filters, as a timeline on a terminal or NDJSON."""
    from datetime import timezone

    from bsevents.app.watch import watch
    from bsevents.model.times import clock
    from bsevents.query.filters import matches
    from bsevents.views.output import show_human, stdout_is_terminal, write_chunks

    as_timeline = stdout_is_terminal() and view in (None, View.table, View.timeline)

    def on_new(events: list[Event]) -> None:
        import time

        from bsevents.model.events import sort_events

        ordered = sort_events(events)
        if as_timeline:
            from bsevents.views.timeline import render_timeline

            count = f"{len(ordered)} new event{'s' if len(ordered) != 1 else ''}"
            title = f"{count} at {clock(time.time())}"
            tz = timezone.utc if utc else None
            show_human(
                lambda console: render_timeline(console, ordered, title=title, tz=tz),
                color=color,
                page=False,
            )
        else:
            from bsevents.views.jsonout import ndjson_chunks

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
            debug=ui.debug,
            keep=lambda event: matches(event, criteria),
            retries=retries,
        )
    except KeyboardInterrupt:
        reason = "stopped"
    ui.note(reason)
