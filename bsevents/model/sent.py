"""What a capture shows being sent: one `Sent` per event a page, an app or a server
sent, and the `Capture` that holds them. Shared by the readers of each kind of capture
(har.py, capture.py) and by the matching (query/reconcile.py). Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from bsevents.model.event_api import EventBody
from bsevents.model.event_time import in_calendar, iso_seconds

Via = Literal["pixel", "event-api", "bulk"]

HINT = (
    "give a HAR file (DevTools: Save all as HAR) or Event API bodies: a JSON object, an "
    "array of them, or one per line"
)


class Sent(NamedTuple):
    """One event a capture shows being sent. (A tuple: a capture holds thousands, and a
    frozen dataclass takes six times as long to make.)"""

    name: str  # "" when the body could not be read
    via: Via
    sent_at: float | None  # when the request went out (epoch seconds); None: not known
    at: float | None  # the time the arrived event should carry: the body's, else sent_at
    http_status: int | None  # the answer's status; 0: no answer; None: none recorded
    error: str  # why it failed: the answer's message, or the browser's error
    params: dict[str, Any]  # what was sent, the transport keys left out
    identity: dict[str, str]  # cookie, customer_id, email, device_id, as text
    event_uuid: str | None
    text: bool  # the pixel's values are text, an Event API body's are typed JSON
    order: int  # its place in the capture

    @property
    def answered(self) -> bool:
        return self.http_status is None or self.http_status > 0

    @property
    def accepted(self) -> bool:
        return self.http_status is None or 0 < self.http_status < 400


@dataclass(frozen=True)
class Capture:
    """The events a capture sent, in its order, and what else it held."""

    sent: list[Sent]
    kind: str  # "HAR" or "Event API bodies"
    span: tuple[float, float] | None  # the first and last moment it covers
    ignored: int = 0  # requests to other hosts or endpoints
    notes: list[str] = field(default_factory=list)


def body_time(body: EventBody) -> float | None:
    """The body's own `timestamp` in epoch seconds; None when it has none, or one that is
    not a time (see broken_times)."""
    seconds = iso_seconds(body.timestamp)
    return seconds if seconds is not None and in_calendar(seconds) else None


def broken_times(bodies: list[EventBody], instead: str) -> list[str]:
    """A note when bodies carry a `timestamp` that is not a time: they are placed by
    something else (`instead`), and that is said, never done silently."""
    broken = [b for b in bodies if b.timestamp is not None and body_time(b) is None]
    if not broken:
        return []
    from bsevents.model.sanitize import echoed
    from bsevents.model.words import counted

    example = echoed(json.dumps(broken[0].timestamp, ensure_ascii=False), 40)
    have = "has" if len(broken) == 1 else "have"
    return [
        f"{counted(len(broken), 'sent event')} {have} a timestamp that is not a time "
        f"(first: {example}); matched {instead}"
    ]


def _either(first: float | None, second: float | None) -> float | None:
    return first if first is not None else second


def sent_from_body(
    body: EventBody, via: Via, sent_at: float | None, status: int | None, error: str, order: int
) -> Sent:
    return Sent(
        name=body.name,
        via=via,
        sent_at=sent_at,
        at=_either(body_time(body), sent_at),
        http_status=status,
        error=error,
        params=body.params,
        identity=body.identity,
        event_uuid=body.event_uuid,
        text=False,
        order=order,
    )
