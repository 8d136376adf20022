"""`--watch`: new events as they arrive, as a timeline on a terminal, NDJSON when piped."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bsevents.views.choices import ColorChoice, View

if TYPE_CHECKING:
    from bsevents.model.events import Event


def new_events_writer(
    view: View | None, color: ColorChoice, *, utc: bool, clock: Callable[[], float]
) -> Callable[[list[Event]], None]:
    """What shows each batch of new events: a timeline titled with their count and the
    time (`clock`), or NDJSON when stdout is not a terminal or a machine view was asked."""
    from datetime import timezone

    from bsevents.views.output import show_human, stdout_is_terminal, write_chunks

    as_timeline = stdout_is_terminal() and view in (None, View.table, View.timeline)

    def on_new(events: list[Event]) -> None:
        from bsevents.model.events import sort_events
        from bsevents.model.times import clock as clock_text

        ordered = sort_events(events)
        if as_timeline:
            from bsevents.model.words import counted
            from bsevents.views.timeline import render_timeline

            title = f"{counted(len(ordered), 'new event')} at {clock_text(clock())}"
            tz = timezone.utc if utc else None
            show_human(
                lambda console: render_timeline(console, ordered, title=title, tz=tz),
                color=color,
                page=False,
            )
        else:
            from bsevents.views.jsonout import ndjson_chunks

            write_chunks(ndjson_chunks(ordered))

    return on_new
