"""The only place that talks HTTP: URLs, auth, timeouts, and typed errors.

httpx is imported here and nowhere else, and this module is imported only when a live
call is about to be made, so views of stored data never pay for it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from bsevents.api.bounded import (
    MB,
    BoundedBody,
    TooLarge,
    UnknownEncoding,
)
from bsevents.api.endpoints import (
    bulk_events_url,
    event_url,
    request_headers,
    search_url,
    show_events_url,
)
from bsevents.errors import (
    BadResponse,
    BseventsError,
    KeyRejected,
    NetworkError,
    NotFound,
    RateLimited,
    RequestFailed,
    UsageProblem,
)
from bsevents.model.answers import MAX_JSON_DEPTH, describe_body
from bsevents.model.events import Event, parse_events_json
from bsevents.model.json_text import too_deep
from bsevents.model.report import SILENT, Reporter
from bsevents.model.sanitize import clean, shorten

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 128 * MB
# An error answer is only summarised: its first bytes say all we quote, and reading no
# further keeps a huge or endless error body from hiding the status.
ERROR_BODY_BYTES = 64 * 1024
# The Event API answers a sent event in a few bytes: a megabyte is a misbehaving server.
SEND_ANSWER_BYTES = MB
TIMEOUT_HINT = ", or allow longer with --timeout SECONDS"
HOUR = 3600.0  # the longest hold a Retry-After can ask for: the cap's own window


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
    max_bytes: int = DEFAULT_MAX_BYTES,
    report: Reporter = SILENT,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """GET show_events for one customer. Raises a BseventsError subclass on any failure.
    `report` hears the request and the answer's status line (never the key) and the
    bytes received."""
    url = show_events_url(base_url, uuid)
    answer = _get(base_url, api_key, url, timeout, max_bytes, report, transport, progress=True)
    if answer.status != 200:
        raise error_for_response(answer.status, answer.body, answer.headers, f"customer {uuid}")
    # No depth check here: one visitor's deep value must not cost the whole answer. The
    # parser reads what it can, and parse_events_json summarises an event nested too deep.
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
    max_bytes: int = DEFAULT_MAX_BYTES,
    report: Reporter = SILENT,
    transport: httpx.BaseTransport | None = None,
) -> Match:
    """GET Search customer by email. Raises NotFound when nothing matches, BadResponse
    for an answer of another shape. `report` hears the request, as for fetch_events."""
    url = search_url(base_url, email)
    answer = _get(base_url, api_key, url, timeout, max_bytes, report, transport)
    body = answer.body
    if answer.status != 200:
        raise error_for_response(answer.status, body, answer.headers, f"email {email}")
    data = _json_object(body)
    found = data.get("users")
    user = data.get("user")
    if not isinstance(found, (list, type(None))) or not isinstance(user, (dict, type(None))):
        raise _unexpected("`users` must be a list and `user` an object")
    users = [u for u in found or [] if isinstance(u, dict) and u.get("uuid")]
    if user is None or not user.get("uuid"):
        user = users[0] if users else None
    if user is None:
        raise NotFound(
            f"no Blueshift customer has the email {email}",
            "check the address and the region; no events call was spent",
        )
    return Match(user, users or [user])


def _json_object(body: bytes) -> dict[str, Any]:
    if too_deep(body, MAX_JSON_DEPTH):
        raise _unexpected(f"it nests JSON more than {MAX_JSON_DEPTH} levels deep")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _unexpected("it is not valid JSON") from None
    if not isinstance(data, dict):
        raise _unexpected("it is not a JSON object")
    return data


def _unexpected(why: str) -> BadResponse:
    return BadResponse(
        f"unexpected answer from Search customer: {why}",
        "no events call was made; check the base URL, or look the customer up by UUID",
    )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed: float


Progress = Callable[[int], None]

RAISE_CAP_HINT = (
    "if the customer really has that many events, raise the cap: "
    "bsevents config set max-response-mb N"
)


@dataclass(frozen=True)
class Exchange:
    """One request and what its answer may cost: `max_bytes` bounds an accepted answer's
    body, as received and as decompressed; `accepted` are the statuses whose body is read
    in full (any other is only quoted). `maybe_done`, when set, is added to a failure's
    message once the request may have reached the server: a POST may then have acted."""

    method: str
    url: str
    key: str
    max_bytes: int
    accepted: range = range(200, 201)
    content: bytes | None = None
    content_type: str | None = None
    cap_hint: str = RAISE_CAP_HINT
    maybe_done: str = ""
    maybe_done_hint: str = ""


def _get(
    base_url: str,
    api_key: str,
    url: str,
    timeout: float,
    max_bytes: int,
    report: Reporter,
    transport: httpx.BaseTransport | None,
    *,
    progress: bool = False,
) -> Answer:
    """One GET with our auth and headers, bounded as `exchange` bounds every request."""
    request = Exchange("GET", url, api_key, max_bytes)
    return exchange(request, base_url, timeout, report, transport, progress=progress)


def exchange(
    request: Exchange,
    base_url: str,
    timeout: float,
    report: Reporter = SILENT,
    transport: httpx.BaseTransport | None = None,
    *,
    progress: bool = False,
) -> Answer:
    """Send `request` and read its answer within bounds; every failure becomes a typed
    error (NetworkError, BadResponse, RequestFailed). `transport` replaces the network
    (a test's httpx.MockTransport); the deadline then bounds the exchange as a whole only.

    `timeout` bounds the whole exchange (connecting, the status line and headers, the
    body), not each read: a server that trickles a byte at a time is given up on like one
    that never answers. An answer whose status is not accepted keeps only its first bytes.
    `report` hears the request and the status line at debug, never the key, and with
    `progress` the bytes received (a line it erases when the answer is complete).
    """
    report.debug(f"{request.method} {request.url}")
    report.debug("Authorization: Basic ***")
    headers = {**request_headers(), "Accept-Encoding": "gzip, deflate"}  # what we inflate
    if request.content_type:
        headers["Content-Type"] = request.content_type
    started = time.monotonic()
    deadline = _Deadline(timeout)
    try:
        with (
            deadline,
            httpx.Client(
                auth=(request.key, ""),
                headers=headers,
                timeout=httpx.Timeout(timeout),
                follow_redirects=False,
                trust_env=False,
                transport=transport,
                event_hooks={"response": [_refuse_redirect]},
            ) as client,
            client.stream(
                request.method,
                request.url,
                content=request.content,
                extensions={"trace": deadline.trace},
            ) as response,
        ):
            try:
                body = _read(response, request, report.progress if progress else None)
            finally:
                if progress:
                    report.progress(None)
        if deadline.expired:  # the cut connection may have looked like the body's end
            raise httpx.ReadTimeout("the deadline passed")
    except Exception as exc:
        if deadline.expired and not isinstance(exc, BseventsError):
            late = httpx.ReadTimeout if deadline.connected else httpx.ConnectTimeout
            exc = late("the deadline passed")
        raise _failure(exc, request, base_url, timeout) from None
    elapsed = time.monotonic() - started
    report.debug(
        f"{response.status_code} {response.reason_phrase}, {len(body)} bytes, {elapsed:.2f} s"
    )
    return Answer(response.status_code, response.headers, body, elapsed)


class _Deadline:
    """Cuts the connection when the exchange's time is up, whatever it is waiting for.

    httpx's timeouts bound each socket operation, so a server that sends its status line
    a byte a second is never timed out by them. The socket is learnt from httpx's
    documented `trace` request extension (the network stream of `connect_tcp` and
    `start_tls`), and a timer shuts it down at the deadline: the blocked read returns at
    once, and `expired` tells the caller why.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self.connected = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._socket = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        found = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(found, socket.socket):
            return
        with self._lock:
            self._socket = found
            self.connected = True
            late = self.expired
        if late:
            _cut(found)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            found = self._socket
        if found is not None:
            _cut(found)


def _cut(connection: socket.socket) -> None:
    # shutdown(), not close(): it wakes a read blocked in another thread. The plain
    # socket's method, as a TLS socket's own would also unwrap its SSL object under it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(connection, socket.SHUT_RDWR)


def _failure(exc: Exception, request: Exchange, base_url: str, timeout: float) -> BseventsError:
    """The typed error for what went wrong in an exchange. Once the request may have
    reached the server, a request that acts (a POST) says that it may have acted."""
    if isinstance(exc, BseventsError):  # a redirect, refused by the response hook
        return exc
    maybe = request.maybe_done

    def unsure(hint: str) -> str:
        return request.maybe_done_hint if maybe else hint

    if isinstance(exc, TooLarge):
        what = "inflates to" if exc.inflated else "is"
        return RequestFailed(
            f"the answer {what} more than {request.max_bytes // MB} MB; stopped reading it{maybe}",
            request.cap_hint,
        )
    if isinstance(exc, UnknownEncoding):
        return BadResponse(
            f"the answer came in an encoding bsevents did not ask for ({clean(str(exc))}){maybe}",
            unsure("a proxy in front of the API may be misbehaving; run with --debug"),
        )
    if isinstance(exc, zlib.error):
        return BadResponse(
            f"the answer's compressed body is damaged{maybe}",
            unsure("try again; if it persists, a proxy in front of the API may be misbehaving"),
        )
    if isinstance(exc, httpx.TimeoutException):
        # Not connected in time: the request never left, so it cannot have acted.
        reached = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        if not reached:
            maybe = ""
        return NetworkError(
            f"no complete answer from {_host(base_url)} within {timeout:g} s{maybe}",
            f"{request.maybe_done_hint if maybe else 'try again'}{TIMEOUT_HINT}",
            reached_server=reached,
            kind="timeout",
        )
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(
            f"could not connect to {_host(base_url)}: {_reason(exc)}",
            "check the network, and the region or base URL",
            reached_server=False,
            kind="connect",
        )
    if isinstance(exc, httpx.HTTPError):
        return NetworkError(
            f"the connection to {_host(base_url)} failed: {_reason(exc)}{maybe}",
            unsure("try again; if it persists, run with --debug"),
            reached_server=True,
        )
    raise exc


def _refuse_redirect(response: httpx.Response) -> None:
    """Refuse a redirect before httpx reads its Location, which can raise for a URL
    it cannot parse (a `]` in it): every redirect gets the same clear error."""
    if response.has_redirect_location:
        raise error_for_response(response.status_code, b"", response.headers, "")


def _read(response: httpx.Response, request: Exchange, progress: Progress | None) -> bytes:
    """The body, read as it streams in, within the size cap. Of an answer whose status
    is not accepted, only the first bytes, and nothing that could hide its status."""
    failed = response.status_code not in request.accepted
    limit = ERROR_BODY_BYTES if failed else request.max_bytes
    declared = response.headers.get("content-length", "")
    if not failed and declared.isascii() and declared.isdigit():
        digits = declared.lstrip("0")  # int() refuses over 4,300 digits, zeros or not
        if len(digits) > 18 or int(digits or "0") > limit:
            raise TooLarge(inflated=False)
    try:
        collected = BoundedBody(response.headers.get("content-encoding", ""), limit)
        for chunk in response.iter_raw():
            collected.feed(chunk)
            if progress is not None:
                progress(collected.received)
        return collected.finish()
    except TooLarge:
        if failed:
            return collected.partial()
        raise
    except (UnknownEncoding, zlib.error):
        if failed:
            return b""
        raise


def check_url(url: str) -> None:
    """UsageProblem unless the HTTP library accepts `url`: the last check before a call
    is counted, so that no URL can fail inside httpx after the ledger has it."""
    try:
        parsed = httpx.URL(url)
        ok = parsed.scheme in ("http", "https") and bool(parsed.host)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        ok = False
    if not ok:
        raise UsageProblem(
            f"the request URL {shorten(clean(url), 120)!r} is not a valid URL",
            "check --base-url (or BSEVENTS_BASE_URL)",
        )


def _host(base_url: str) -> str:
    try:
        return urlsplit(base_url).netloc or base_url
    except ValueError:  # e.g. a `]` in a redirect's Location: quote it as it came
        return shorten(base_url, 120)


def _reason(exc: Exception) -> str:
    """The library's reason as part of a sentence: its first line, without the full stop
    it may end with (`..., and the event may have been accepted` follows it)."""
    text = str(exc) or type(exc).__name__
    return shorten(clean(text.splitlines()[0].rstrip(". ") if text else text), 120)


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
            retry_after=retry_after(headers.get("retry-after", "")),
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


def retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), at most an hour:
    no wait the hourly cap could need is longer, and a year-9999 date must not hold calls
    for millennia. 0 for no wait (0, or a date past); None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        # Count the digits that matter first: int() of over 4,300 digits raises, even
        # when they are leading zeros, and any number of five digits is past the hour.
        digits = value.lstrip("0")
        return HOUR if len(digits) > 4 else min(float(int(digits or "0")), HOUR)
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:  # RFC 9110 dates are GMT; an unmarked one is too
            from datetime import timezone

            moment = moment.replace(tzinfo=timezone.utc)
        wait = moment.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return min(max(0.0, wait), HOUR)


def post_event(
    base_url: str,
    event_api_key: str,
    body: bytes,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    report: Reporter = SILENT,
    transport: httpx.BaseTransport | None = None,
    bulk: bool = False,
) -> int:
    """POST one event to the Event API (HTTP Basic with the Event API key), or with
    `bulk` a batch of them (`{"events": [...]}`) to the bulk events endpoint; the status.
    Any 2xx is accepted, as Blueshift's own integrations do; anything else raises the
    typed error. The answer is bounded as a GET's is, within SEND_ANSWER_BYTES; a failure
    after the request may have reached Blueshift says that the event may have been
    accepted. `report` hears the request and the status line (never the key)."""
    what, them = ("events", "them") if bulk else ("event", "it")
    request = Exchange(
        "POST",
        bulk_events_url(base_url) if bulk else event_url(base_url),
        event_api_key,
        SEND_ANSWER_BYTES,
        accepted=range(200, 300),
        content=body,
        content_type="application/json",
        cap_hint="a proxy in front of the API may be misbehaving; look for the "
        f"{what} with bsevents events before sending {them} again",
        maybe_done=f", and the {what} may have been accepted",
        maybe_done_hint=f"look for {them} with bsevents events before sending {them} again",
    )
    answer = exchange(request, base_url, timeout, report, transport)
    if answer.status not in request.accepted:
        raise error_for_response(answer.status, answer.body, answer.headers, f"the {what}")
    return answer.status
