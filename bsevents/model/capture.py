"""Reading a capture into the events it sent: a HAR file (HTTP Archive 1.2, what a
browser's DevTools "Save all as HAR" and proxies such as Charles, Proxyman or mitmproxy
export), or a file of Event API bodies (one JSON object, an array, `{"events": [...]}`
or NDJSON), as a server-side sender would log them. Pure: text in, `Capture` out.

A HAR is a secret: it holds `Authorization` headers (the Event API key), cookies and
every other site's traffic; har.py reads only what reconciling needs of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bsevents.errors import UsageProblem
from bsevents.model.event_api import bulk_bodies, read_body
from bsevents.model.events import ndjson_objects
from bsevents.model.json_text import collector_paused, json_type, load_json, unreadable_json
from bsevents.model.sent import HINT, Capture, Via, body_time, broken_times, sent_from_body


def parse_capture(data: bytes, name: str, hosts: Iterable[str]) -> Capture:
    """The events sent in a capture (`name` for messages); only requests to `hosts` (see
    host_of) count. Raises UsageProblem, naming the fault, for anything that is not a HAR
    file or Event API bodies."""
    # Nothing read here makes a cycle; the collector would only walk the parsed capture
    # again and again while thousands of events are made from it.
    with collector_paused():
        return _parse(data, name, frozenset(hosts))


def _parse(data: bytes, name: str, hosts: frozenset[str]) -> Capture:
    text = _text(data, name).removeprefix("\ufeff")
    if not text.strip():
        raise UsageProblem(f"{name} is empty", HINT)
    try:
        parsed = load_json(text)
    except ValueError as exc:
        lines = ndjson_objects(text)
        if lines is not None:
            return _from_bodies(lines, name, "event-api")
        raise UsageProblem(unreadable_json(name, exc), HINT) from None
    del text
    if isinstance(parsed, dict) and "log" in parsed:
        from bsevents.model.har import from_har

        return from_har(parsed, name, hosts)
    bulk = bulk_bodies(parsed)
    if bulk is not None:
        return _from_bodies(bulk, name, "bulk")
    if isinstance(parsed, dict):
        return _from_bodies([parsed], name, "event-api")
    if isinstance(parsed, list):
        return _from_bodies(parsed, name, "event-api")
    raise UsageProblem(
        f"{name} holds a JSON {json_type(parsed)}, not a HAR file nor event bodies", HINT
    )


def _text(data: bytes, name: str) -> str:
    """The capture's text, in any encoding JSON allows (UTF-8 with or without a BOM,
    UTF-16, UTF-32), found the way json.loads finds it."""
    try:
        return data.decode(json.detect_encoding(data), "surrogatepass")
    except UnicodeDecodeError:
        raise UsageProblem(f"{name} is not UTF-8 text", HINT) from None


def _from_bodies(items: list[Any], name: str, via: Via) -> Capture:
    sent = []
    bodies = []
    for order, item in enumerate(items):
        body = read_body(item)
        if isinstance(body, str):
            raise UsageProblem(f"{name}: event {order + 1} {body}", HINT)
        bodies.append(body)
        sent.append(sent_from_body(body, via, body_time(body), None, "", order))
    times = [s.sent_at for s in sent if s.sent_at is not None]
    span = (min(times), max(times)) if times else None
    notes = broken_times(bodies, "at any time of arrival instead")
    return Capture(sent, "Event API bodies", span, notes=notes)
