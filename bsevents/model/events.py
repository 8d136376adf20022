"""Events as plain data: a response body read into events, sorted by time, keyed.

Pure functions over the objects exactly as Blueshift sent them; nothing here prints,
and nothing here changes an event object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from bsevents.errors import BadResponse
from bsevents.model.event_time import event_time
from bsevents.model.json_text import (
    MAX_DEPTH,
    cut_deep,
    deeper_than,
    encode_json,
    json_type,
    load_json,
    loads,
    unreadable_json,
)

Event = dict[str, Any]

# The fields Blueshift documents for show_events; anything else is a custom parameter.
STANDARD_FIELDS: tuple[str, ...] = (
    "timestamp",
    "event",
    "event_uuid",
    "user_uuid",
    "email",
    "session_uuid",
    "url",
    "referrer",
    "site",
    "browser_type",
    "browser_version",
    "browser_platform",
    "user_agent",
    "ip",
    "cookie",
    "timestamp_epoch",
    "account_uuid",
    "_bsft_ts",
    "_bsft_doc_type",
    "_bsft_type",
    "_exp",
    "santized_at",
)
_STANDARD = frozenset(STANDARD_FIELDS)


def parse_events_json(body: bytes | str) -> list[Event]:
    """Parse a show_events body: a JSON array of objects. Raises BadResponse."""
    try:
        data = load_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadResponse(
            unreadable_json("the response", exc),
            "run again with --debug to see the request; if it persists, the API "
            "or a proxy in front of it is misbehaving",
        ) from None
    return check_events(data)


def ndjson_objects(text: str) -> list[Event] | None:
    """The objects of JSON Lines text (blank lines aside), or None when it is not that:
    a line that is not JSON, or not an object."""
    items: list[Event] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = loads(line)
        except ValueError:
            return None
        if not isinstance(item, dict):
            return None
        items.append(item)
    return items or None


def check_events(data: Any) -> list[Event]:
    """Accept only the documented shape: a list whose items are all objects. An event
    nested deeper than MAX_DEPTH is replaced by its cut copy (cut_deep), so that no view,
    filter or rule ever walks deeper, and one visitor's deep value leaves the others be."""
    if not isinstance(data, list):
        raise BadResponse(
            f"expected a JSON array of events, got a JSON {json_type(data)}",
            "the endpoint documents an array; check the base URL",
        )
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise BadResponse(
                f"event {index} is a JSON {json_type(item)}, not an object",
                "the endpoint documents an array of event objects",
            )
        if deeper_than(item, MAX_DEPTH):
            data[index] = cut_deep(item)
    return data


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Oldest first by event time; events with no usable time keep their relative order
    at the end. Stable, so equal times keep the order Blueshift sent them in."""
    keyed = [(event_time(event), event) for event in events]
    timed = [pair for pair in keyed if pair[0] is not None]
    timed.sort(key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]
    return [event for _, event in timed] + [event for t, event in keyed if t is None]


def event_key(event: Event) -> str:
    """What identifies an event across fetches: its `event_uuid`, or lacking one, a hash
    of its content."""
    uuid = event.get("event_uuid")
    if isinstance(uuid, str) and uuid:
        return uuid
    canonical = encode_json(event, _CANONICAL)
    # surrogatepass: a lone surrogate from a JSON escape still hashes, and every other
    # string hashes exactly as before (the cache keeps these keys).
    digest = hashlib.sha1(canonical.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return "sha1:" + digest.hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


def count_trailing_untimed(events: Sequence[Event]) -> int:
    """How many events have no usable time, in a list from sort_events (where they are
    the last ones): it reads only those, not the 10,000 before them."""
    untimed = 0
    for event in reversed(events):
        if event_time(event) is not None:
            break
        untimed += 1
    return untimed


def custom_fields(event: Event) -> dict[str, Any]:
    """The event's custom parameters: every top-level key Blueshift does not document."""
    return {key: value for key, value in event.items() if key not in _STANDARD}
