"""The bundled demo journey (`--demo`): 35 events over three sessions, no key, no call."""

from __future__ import annotations

from bsevents.app.result import EventsResult
from bsevents.model.events import Event, check_events, sort_events
from bsevents.model.json_text import load_json

DEMO_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"


def demo_events() -> list[Event]:
    """The bundled journey, in the order an API might send it (newest first)."""
    from importlib.resources import files  # 5 ms that only the demo needs

    text = files("bsevents.app").joinpath("demo.json").read_text(encoding="utf-8")
    return check_events(load_json(text))


def get_demo() -> EventsResult:
    return EventsResult(sort_events(demo_events()), DEMO_UUID, "demo")
