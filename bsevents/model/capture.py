"""Reading a capture into the events it sent: a HAR file (HTTP Archive 1.2, what a
browser's DevTools "Save all as HAR" and proxies such as Charles, Proxyman or mitmproxy
export), or a file of Event API bodies (one JSON object, an array, `{"events": [...]}`
or NDJSON), as a server-side sender would log them. Pure: text in, `Capture` out.

A HAR is a secret: it holds `Authorization` headers (the Event API key), cookies and
every other site's traffic; har.py reads only what reconciling needs of it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from bsevents.errors import UsageProblem
from bsevents.model.event_api import EventBody, bulk_bodies, read_body
from bsevents.model.events import TOO_DEEP_TO_READ, load_json, loads, parse_iso

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


def parse_capture(data: bytes, name: str, hosts: Iterable[str]) -> Capture:
    """The events sent in a capture (`name` for messages); only requests to `hosts` (see
    host_of) count. Raises UsageProblem, naming the fault, for anything that is not a HAR
    file or Event API bodies."""
    # Nothing read here makes a cycle; the collector would only walk the parsed capture
    # again and again while thousands of events are made from it.
    with _collector_paused():
        return _parse(data, name, frozenset(hosts))


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(data: bytes, name: str, hosts: frozenset[str]) -> Capture:
    text = _text(data, name).removeprefix("\ufeff")
    if not text.strip():
        raise UsageProblem(f"{name} is empty", HINT)
    try:
        parsed = load_json(text)
    except ValueError as exc:
        lines = _ndjson(text, name)
        if lines is not None:
            return _from_bodies(lines, name, "event-api")
        if str(exc) == TOO_DEEP_TO_READ:
            raise UsageProblem(
                f"{name} nests arrays and objects too deeply to read (about 1,000 levels)", HINT
            ) from None
        where = (
            f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        raise UsageProblem(f"{name} is not valid JSON ({where})", HINT) from None
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
        f"{name} holds a JSON {_type(parsed)}, not a HAR file nor event bodies", HINT
    )


def _text(data: bytes, name: str) -> str:
    """The capture's text, in any encoding JSON allows (UTF-8 with or without a BOM,
    UTF-16, UTF-32), found the way json.loads finds it."""
    try:
        return data.decode(json.detect_encoding(data), "surrogatepass")
    except UnicodeDecodeError:
        raise UsageProblem(f"{name} is not UTF-8 text", HINT) from None


def _ndjson(text: str, name: str) -> list[Any] | None:
    """The objects of NDJSON text, or None when it is not that."""
    items = []
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


def _from_bodies(items: list[Any], name: str, via: Via) -> Capture:
    sent = []
    for order, item in enumerate(items):
        body = read_body(item)
        if isinstance(body, str):
            raise UsageProblem(f"{name}: event {order + 1} {body}", HINT)
        moment = _body_time(body)
        sent.append(sent_from_body(body, via, moment, None, "", order))
    times = [s.sent_at for s in sent if s.sent_at is not None]
    span = (min(times), max(times)) if times else None
    return Capture(sent, "Event API bodies", span)


def _body_time(body: EventBody) -> float | None:
    if isinstance(body.timestamp, str):
        return iso_seconds(body.timestamp)
    return None


def sent_from_body(
    body: EventBody, via: Via, sent_at: float | None, status: int | None, error: str, order: int
) -> Sent:
    return Sent(
        name=body.name,
        via=via,
        sent_at=sent_at,
        at=_body_time(body) or sent_at,
        http_status=status,
        error=error,
        params=body.params,
        identity=body.identity,
        event_uuid=body.event_uuid,
        text=False,
        order=order,
    )


def iso_seconds(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    parsed = parse_iso(value)
    if parsed is None:
        return None
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError):
        return None


def _type(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
