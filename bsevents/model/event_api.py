"""What an Event API body is: the one JSON object `POST /api/v1/event` takes (and each
element of `POST /api/v1/bulkevents`'s `{"events": [...]}`). Pure.

`event` names it; `customer_id`, `email`, `cookie` and `device_id` say who it is about;
`event_uuid` and `timestamp` are the sender's, when it sets them; every other top-level
key is a parameter (see ../shared/blueshift/API-NOTES.md). `send` builds such bodies and
`reconcile` reads them back from captures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVENT_PATH = "/api/v1/event"  # one body
BULK_EVENTS_PATH = "/api/v1/bulkevents"  # {"events": [body, ...]}
IDENTITY_KEYS = ("customer_id", "email", "cookie", "device_id")
# Keys that are not parameters: the name, who, and the sender's own id and time.
OWN_KEYS = ("event", "event_uuid", "timestamp", *IDENTITY_KEYS)


@dataclass(frozen=True)
class EventBody:
    """One event as an Event API body holds it."""

    name: str
    identity: dict[str, str]  # the identity keys that have a value, as text
    event_uuid: str | None
    timestamp: Any  # as sent (ISO 8601 text, usually); None when absent
    params: dict[str, Any]  # every other key, as sent


def identity_text(value: Any) -> str | None:
    """An identity value as text (`42` and `"42"` name the same customer), or None for
    an empty one or one that is no scalar."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def read_body(data: Any) -> EventBody | str:
    """The event in one body, or why it is none (`is not a JSON object`, `has no event
    name`)."""
    if not isinstance(data, dict):
        return "is not a JSON object"
    name = data.get("event")
    if not isinstance(name, str) or not name.strip():
        return "has no event name"
    identity = {}
    for key in IDENTITY_KEYS:
        text = identity_text(data.get(key))
        if text is not None:
            identity[key] = text
    uuid = data.get("event_uuid")
    return EventBody(
        name=name,
        identity=identity,
        event_uuid=uuid.strip().lower() if isinstance(uuid, str) and uuid.strip() else None,
        timestamp=data.get("timestamp"),
        params={k: v for k, v in data.items() if k not in OWN_KEYS},
    )


def bulk_bodies(data: Any) -> list[Any] | None:
    """The elements of a bulkevents body (`{"events": [...]}`), or None when it is not one."""
    if isinstance(data, dict) and isinstance(data.get("events"), list) and "event" not in data:
        return list(data["events"])
    return None
