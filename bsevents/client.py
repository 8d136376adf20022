"""The only place that talks HTTP: URLs, auth, timeouts, and typed errors.

httpx is imported here and nowhere else, and this module is imported only when a live
call is about to be made, so views of stored data never pay for it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx

from bsevents import ui
from bsevents.endpoints import event_url, request_headers, search_url, show_events_url
from bsevents.errors import (
    BadResponse,
    BseventsError,
    KeyRejected,
    NetworkError,
    NotFound,
    RateLimited,
    RequestFailed,
)
from bsevents.events import Event, parse_events_json
from bsevents.sanitize import clean, shorten

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Fetched:
    """A successful show_events answer."""

    events: list[Event]
    body: bytes
    status: int
    elapsed: float


def fetch_events(
    base_url: str,
    api_key: str,
    uuid: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    progress: Progress | None = None,
) -> Fetched:
    """GET show_events for one customer. Raises a BseventsError subclass on any failure."""
    answer = _get(base_url, api_key, show_events_url(base_url, uuid), timeout, transport, progress)
    if answer.status != 200:
        raise error_for_response(answer.status, answer.body, answer.headers, f"customer {uuid}")
    return Fetched(parse_events_json(answer.body), answer.body, answer.status, answer.elapsed)


@dataclass(frozen=True)
class Match:
    """What Search customer answered: the most relevant user, and every match."""

    user: dict[str, Any]
    users: list[dict[str, Any]]


def search_customers(
    base_url: str,
    api_key: str,
    email: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> Match:
    """GET Search customer by email. Raises NotFound when nothing matches."""
    answer = _get(base_url, api_key, search_url(base_url, email), timeout, transport)
    body = answer.body
    if answer.status != 200:
        raise error_for_response(answer.status, body, answer.headers, f"email {email}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadResponse("the Search customer answer is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadResponse("the Search customer answer is not a JSON object")
    users = [u for u in data.get("users") or [] if isinstance(u, dict) and u.get("uuid")]
    user = data.get("user")
    if not isinstance(user, dict) or not user.get("uuid"):
        user = users[0] if users else None
    if user is None:
        raise NotFound(
            f"no Blueshift customer has the email {email}",
            "check the address and the region; no events call was spent",
        )
    return Match(user, users or [user])


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed: float


Progress = Callable[[int], None]


def _get(
    base_url: str,
    api_key: str,
    url: str,
    timeout: float,
    transport: httpx.BaseTransport | None,
    progress: Progress | None = None,
) -> Answer:
    """One GET with our auth and headers; network failures become NetworkError.

    `timeout` bounds the whole call, not each read: a server that trickles a byte at a
    time is given up on like one that never answers. `progress` hears the bytes received.
    """
    ui.debug(f"GET {url}")
    ui.debug("Authorization: Basic ***")
    started = time.monotonic()
    deadline = started + timeout
    try:
        with (
            httpx.Client(
                auth=(api_key, ""),
                headers=request_headers(),
                timeout=httpx.Timeout(timeout),
                follow_redirects=False,
                transport=transport,
                trust_env=False,
            ) as client,
            client.stream("GET", url) as response,
        ):
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the answer took too long")
            body = b"".join(chunks)
            del chunks
    except httpx.TimeoutException as exc:
        reached = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        raise NetworkError(
            f"no complete answer from {_host(base_url)} within {timeout:g} s",
            "try again, or allow longer with --timeout SECONDS",
            reached_server=reached,
            kind="timeout",
        ) from None
    except httpx.ConnectError as exc:
        raise NetworkError(
            f"could not connect to {_host(base_url)}: {_reason(exc)}",
            "check the network, and the region or base URL",
            reached_server=False,
            kind="connect",
        ) from None
    except httpx.HTTPError as exc:
        raise NetworkError(
            f"the connection to {_host(base_url)} failed: {_reason(exc)}",
            "try again; if it persists, run with --debug",
            reached_server=True,
        ) from None
    elapsed = time.monotonic() - started
    ui.debug(f"{response.status_code} {response.reason_phrase}, {len(body)} bytes, {elapsed:.2f} s")
    return Answer(response.status_code, response.headers, body, elapsed)


def _host(base_url: str) -> str:
    return urlsplit(base_url).netloc or base_url


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return shorten(clean(text.splitlines()[0] if text else text), 120)


def error_for_response(status: int, body: bytes, headers: Any, target: str) -> BseventsError:
    """The typed error for a non-200 answer, quoting Blueshift's own message."""
    said = describe_body(body, headers.get("content-type", ""))
    quoted = f"{status} {said}" if said else str(status)
    if status in (401, 403):
        what = "rejected the API key" if status == 401 else "refused: the key lacks permission"
        return KeyRejected(
            f"Blueshift {what} ({quoted})",
            "check that it is the *User* API key (Account Settings > API Keys) and that "
            "the region (--region us|eu) matches the account",
            status=status,
        )
    if status == 404:
        return NotFound(
            f"Blueshift found nothing for {target} ({quoted})",
            "check the UUID and that the region matches the account",
            status=status,
        )
    if status == 429:
        return RateLimited(
            f"Blueshift's rate limit is reached ({quoted})",
            "show_events allows 10 calls an hour; wait before calling again",
            status=status,
            retry_after=_retry_after(headers.get("retry-after", "")),
        )
    if 300 <= status < 400:
        location = headers.get("location", "")
        target = _host(location) if location else "elsewhere"
        return RequestFailed(
            f"the server redirected to {clean(target)} ({status}); not followed, so the "
            "key is not sent there",
            "check the region or base URL",
            status=status,
        )
    if status >= 500:
        return RequestFailed(
            f"Blueshift had a server problem ({quoted})",
            "try again in a few minutes",
            status=status,
        )
    return RequestFailed(
        f"Blueshift refused the request ({quoted})",
        "run with --debug to see the request",
        status=status,
    )


def _retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")


def describe_body(body: bytes, content_type: str = "") -> str:
    """A one-line summary of an error body: Blueshift's `message` or `errors`, the title of
    an HTML page, or the start of the text. Empty when there is nothing to say."""
    if not body.strip():
        return ""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    text = ""
    if isinstance(data, dict):
        text = _json_error_text(data)
    elif b"<" in body[:512] and (b"html" in body[:2048].lower() or "html" in content_type):
        match = _TITLE_RE.search(body)
        raw = match.group(1) if match else body[:2048]
        page = " ".join(_TAG_RE.sub(" ", unescape(raw.decode("utf-8", "replace"))).split())
        text = f"HTML page: {page}" if page else "an HTML page"
    if not text:
        text = " ".join(body[:300].decode("utf-8", "replace").split())
    return shorten(clean(text), 200)


def _json_error_text(data: dict[str, Any]) -> str:
    for key in ("message", "error", "errors"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and value:
            parts = []
            for field, problems in value.items():
                detail = ", ".join(map(str, problems)) if isinstance(problems, list) else problems
                parts.append(f"{field}: {detail}")
            return "; ".join(parts)
        if isinstance(value, list) and value:
            return "; ".join(map(str, value))
    return ""


def post_event(
    base_url: str,
    event_api_key: str,
    body: bytes,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """POST one event to the Event API (HTTP Basic with the Event API key). Any 2xx is
    accepted, as Blueshift's own integrations do; anything else raises the typed error."""
    url = event_url(base_url)
    ui.debug(f"POST {url}")
    ui.debug("Authorization: Basic ***")
    try:
        with httpx.Client(
            auth=(event_api_key, ""),
            headers={**request_headers(), "Content-Type": "application/json"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        ) as client:
            response = client.post(url, content=body)
    except httpx.TimeoutException:
        raise NetworkError(
            f"no answer from {_host(base_url)} within {timeout:g} s",
            "the event may or may not have been taken; allow longer with --timeout SECONDS",
            kind="timeout",
        ) from None
    except httpx.HTTPError as exc:
        raise NetworkError(
            f"could not send to {_host(base_url)}: {_reason(exc)}",
            "check the network, and the region or base URL",
        ) from None
    ui.debug(f"{response.status_code} {response.reason_phrase}, {len(response.content)} bytes")
    if not 200 <= response.status_code < 300:
        raise error_for_response(
            response.status_code, response.content[:65536], response.headers, "the event"
        )
