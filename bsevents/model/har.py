"""A HAR file's requests to Blueshift read into sent events (see capture.py): the web
SDK's pixel, `POST /api/v1/event` and `POST /api/v1/bulkevents`. Pure.

Of each entry only its time, method and URL are read, and of a request to an event
endpoint its query or JSON body and its answer's status, error and message: headers and
cookies are never looked at, and the pixel's `x` (the site's API key) and `z` (a
cache-buster) are dropped as the query is read.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from bsevents.errors import UsageProblem
from bsevents.model.answers import describe_body
from bsevents.model.event_api import (
    BULK_EVENTS_PATH,
    EVENT_PATH,
    IDENTITY_KEYS,
    EventBody,
    bulk_bodies,
    identity_text,
    read_body,
)
from bsevents.model.event_time import iso_seconds
from bsevents.model.json_text import loads
from bsevents.model.regions import REGIONS
from bsevents.model.sanitize import clean, shorten
from bsevents.model.sent import HINT, Capture, Sent, Via, broken_times, sent_from_body
from bsevents.model.words import counted

PIXEL_PATH = "/unity.gif"
# The pixel's query keys that are transport, not data: dropped on reading.
PIXEL_TRANSPORT = frozenset({"x", "z"})
# The pixel's own short keys that arrive under a long name.
PIXEL_RENAMED = {"u": "url", "r": "referrer"}
ERROR_BODY_LIMIT = 65536  # characters of an error answer read for its message
MESSAGE_LIMIT = 200
_NUMBER_RE = re.compile(r"\s*\d+(?:\.\d+)?\s*", re.ASCII)


def host_of(url: str) -> str:
    """`api.getblueshift.com`, or `127.0.0.1:8080`: a URL's host, lower case, with its
    port when it is not the scheme's own (and never the user name or password)."""
    start = url.find("//")
    end = len(url) if start < 0 else min(_ends(url, start + 2))
    origin = url[:end]
    found = _HOSTS.get(origin)
    if found is None:
        found = _host_of(origin)
        if len(_HOSTS) < 1024:  # a capture of thousands of requests has a few origins
            _HOSTS[origin] = found
    return found


_HOSTS: dict[str, str] = {}


def _ends(url: str, start: int) -> Iterator[int]:
    for mark in "/?#":
        at = url.find(mark, start)
        yield at if at >= 0 else len(url)


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:
        host = f"[{host}]"
    if port is None or (parts.scheme, port) in (("https", 443), ("http", 80)):
        return host
    return f"{host}:{port}"


# The API hosts of Blueshift's regions: what a capture is read for.
REGION_HOSTS = tuple(host_of(region.api_base) for region in REGIONS.values())


def from_har(data: dict[str, Any], name: str, hosts: frozenset[str]) -> Capture:
    log = data.get("log")
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise UsageProblem(f"{name} is not a HAR file: it has no log.entries list", HINT)
    return _from_entries(entries, name, hosts)


def _from_entries(entries: list[Any], name: str, hosts: frozenset[str]) -> Capture:
    """The events sent in a HAR's entries."""
    sent: list[Sent] = []
    read = unread = 0
    posted: list[EventBody] = []  # the Event API bodies, for what their times say
    first: float | None = None
    last: float | None = None
    for index, entry in enumerate(entries):
        request = entry.get("request") if isinstance(entry, dict) else None
        url = request.get("url") if isinstance(request, dict) else None
        if not isinstance(url, str):
            raise UsageProblem(f"{name}: entry {index + 1} has no request URL", HINT)
        assert isinstance(request, dict)
        found = _blueshift(request, url, hosts)
        if found is None:
            continue
        read += 1
        started = iso_seconds(entry.get("startedDateTime"))
        if started is not None:
            first = started if first is None else min(first, started)
            ended = started + _duration(entry.get("time"))
            last = ended if last is None else max(last, ended)
        status, error = _answer(entry)
        if found == "pixel":
            sent.append(_pixel(url, started, status, error, len(sent)))
            continue
        bodies = _posted(request, found)
        if bodies is None:
            unread += 1
            sent.append(_unreadable(found, started, status, error, len(sent)))
            continue
        for body in bodies:
            sent.append(sent_from_body(body, found, started, status, error, len(sent)))
        posted += bodies
    notes = broken_times(posted, "by the time of the request instead")
    if unread:
        notes.append(
            f"{counted(unread, 'request')} to the Event API had no JSON body "
            "in the capture; listed as (no event name)"
        )
    span = (first, last) if first is not None and last is not None else None
    return Capture(sent, "HAR", span, len(entries) - read, notes)


def _blueshift(request: dict[str, Any], url: str, hosts: frozenset[str]) -> Via | None:
    """Which kind of event request this is, or None for any other request."""
    path = _path(url)
    if path.endswith(PIXEL_PATH):
        via: Via = "pixel"
    elif path.endswith(EVENT_PATH):
        via = "event-api"
    elif path.endswith(BULK_EVENTS_PATH):
        via = "bulk"
    else:
        return None
    if via != "pixel" and str(request.get("method", "")).upper() != "POST":
        return None
    return via if host_of(url) in hosts else None


def _path(url: str) -> str:
    """A URL's path without a trailing slash: what comes after the host, up to the query."""
    end = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    begin = url.find("/", url.find("//") + 2) if "//" in url[:12] else 0
    if begin < 0 or begin > end:
        return ""
    return url[begin:end].rstrip("/")


# What each of the pixel's own keys is; any other key is a parameter.
_SKIP, _NAME, _TIME = 0, 1, 2
_PIXEL_KEYS: dict[str, int | str] = {
    **dict.fromkeys(PIXEL_TRANSPORT, _SKIP),
    "e": _NAME,
    "t": _TIME,
    "k": "cookie",
    **{key: key for key in IDENTITY_KEYS},
}


def _pixel(url: str, started: float | None, status: int, error: str, order: int) -> Sent:
    """The web SDK's `GET /unity.gif?…`: `e` names the event, `t` is its time, `k` the
    visitor's cookie; `x` and `z` are dropped; every other key is a parameter, as text
    (`u` and `r` under the names they arrive by, `url` and `referrer`)."""
    params: dict[str, Any] = {}
    identity: dict[str, str] = {}
    name = ""
    moment: float | None = None
    for key, value in _query(url):
        role = _PIXEL_KEYS.get(key)
        if role is None:
            params[PIXEL_RENAMED.get(key, key)] = value
        elif role == _NAME:
            name = value
        elif role == _TIME:
            moment = _epoch(value)
        elif isinstance(role, str):
            text = identity_text(value)
            if text is not None:
                identity[role] = text
    sent_at = started if started is not None else moment
    return Sent(name, "pixel", sent_at, sent_at, status, error, params, identity, None, True, order)


def _query(url: str) -> list[tuple[str, str]]:
    """A URL's query as (key, value) pairs, decoded as parse_qsl(keep_blank_values=True)
    decodes them, faster: a pixel has a dozen keys, a capture thousands of pixels."""
    start = url.find("?")
    if start < 0:
        return []
    end = url.find("#", start)
    pairs = []
    for part in url[start + 1 : end if end >= 0 else None].split("&"):
        if part:
            key, _, value = part.partition("=")
            if "%" in key or "+" in key:
                key = _unquote(key)
            if "%" in value or "+" in value:
                value = _unquote(value)
            pairs.append((key, value))
    return pairs


def _unquote(text: str) -> str:
    return unquote(text.replace("+", " "))


def _posted(request: dict[str, Any], via: Via) -> list[EventBody] | None:
    """The bodies an Event API request posted, or None when its body is not readable."""
    post = request.get("postData")
    text = post.get("text") if isinstance(post, dict) else None
    if not isinstance(text, str):
        return None
    try:
        data = loads(text)
    except ValueError:
        return None
    items = bulk_bodies(data) if via == "bulk" else [data]
    if items is None:
        return None
    bodies = [read_body(item) for item in items]
    if any(isinstance(body, str) for body in bodies):
        return None
    return [body for body in bodies if isinstance(body, EventBody)]


def _unreadable(via: Via, started: float | None, status: int, error: str, order: int) -> Sent:
    return Sent("", via, started, started, status, error, {}, {}, None, False, order)


def _answer(entry: dict[str, Any]) -> tuple[int, str]:
    """The status of the entry's answer (0 when none came) and why it failed."""
    response = entry.get("response")
    response = response if isinstance(response, dict) else {}
    raw = response.get("status")
    status = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
    if isinstance(raw, str):
        text = raw.strip()
        # ASCII digits only (`²` is a digit to isdigit, not to int), and an HTTP status's
        # three at most: anything else is no status.
        status = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
    if not 0 <= status <= 999:
        status = 0
    if status == 0:
        error = entry.get("_error") or response.get("_error")
        return 0, _said(error) if isinstance(error, str) and error.strip() else "no answer"
    if status >= 400:
        return status, _message(response.get("content")) or str(response.get("statusText") or "")
    return status, ""


def _message(content: Any) -> str:
    """The message of an error answer's body: Blueshift's `message`, `error` or
    `errors`, else its first line."""
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return ""
    text = content["text"][:ERROR_BODY_LIMIT]
    if content.get("encoding") == "base64":
        try:
            body = base64.b64decode(text[: ERROR_BODY_LIMIT // 4 * 4])
        except (binascii.Error, ValueError):
            return ""
    else:
        body = text.encode("utf-8", "surrogatepass")
    mime = content.get("mimeType")
    return describe_body(body, mime if isinstance(mime, str) else "")


def _said(text: str) -> str:
    """The browser's error, in a line: `net::ERR_BLOCKED_BY_CLIENT`."""
    return shorten(clean(" ".join(text.split())), MESSAGE_LIMIT)


def _epoch(text: str) -> float | None:
    """The pixel's `t`: epoch seconds (milliseconds when too large to be seconds)."""
    if len(text) > 32 or not _NUMBER_RE.fullmatch(text):
        return None
    seconds = float(text)
    return seconds / 1000 if seconds > 1e11 else seconds


def _duration(value: Any) -> float:
    """An entry's `time` (milliseconds; -1 or absent when unknown) in seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 864e5:
        return float(value) / 1000
    return 0.0
