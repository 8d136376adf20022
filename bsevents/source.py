"""Where a command's events come from: the bundled demo or a live call.

`get_events` is the core of `bsevents events`: it returns data and never prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Literal

from bsevents.credentials import resolve_api_key
from bsevents.events import Event, check_events, sort_events
from bsevents.settings import Resolved

Origin = Literal["demo", "live"]
DEMO_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"


@dataclass(frozen=True)
class EventsResult:
    """Sorted events and what they are."""

    events: list[Event]
    uuid: str
    origin: Origin
    notes: list[str] = field(default_factory=list)


def demo_events() -> list[Event]:
    """The bundled journey, in the order an API might send it (newest first)."""
    text = files("bsevents").joinpath("data/demo.json").read_text(encoding="utf-8")
    return check_events(json.loads(text))


def get_demo() -> EventsResult:
    return EventsResult(sort_events(demo_events()), DEMO_UUID, "demo")


def get_live(settings: Resolved, uuid: str, *, timeout: float) -> EventsResult:
    """Fetch one customer's events from Blueshift and sort them."""
    key = resolve_api_key(settings.profile)
    from bsevents.client import fetch_events  # httpx only when a call is really made

    fetched = fetch_events(settings.base_url, key.value, uuid, timeout=timeout)
    return EventsResult(sort_events(fetched.events), uuid, "live")
