"""A stand-in for Blueshift's API: a real HTTP server on 127.0.0.1.

It checks HTTP Basic auth the way Blueshift does (the User API key as username, empty
password), records every request, serves configured customers, enforces an hourly limit
with Blueshift's 429 body, and can be told to answer the next requests with any status,
body, delay or misbehaviour (slow trickle, headers a byte at a time, dropped connection,
redirect, a gzip bomb, an endless body, plain or chunked, JSON nested 1,000 deep, odd
headers).

It also takes events through the Event API (`POST /api/v1/event`, with the Event API key,
and batches through `POST /api/v1/bulkevents` as `{"events": [...]}`, at most 30 a call),
validates them like Blueshift, and shows each in show_events for the customer whose
email or customer_id it names (`people`) after `ingest_delay` seconds; `arrive` makes an
event appear later without a POST (after a delay, or at the Nth show_events request).
"""

from __future__ import annotations

import base64
import functools
import gzip
import itertools
import json
import socket
import struct
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHOW_EVENTS = "/api/v1/customer_search/show_events"
SEARCH = "/api/v1/customers"
EVENT = "/api/v1/event"
BULK = "/api/v1/bulkevents"
BULK_EVENTS = 30  # Blueshift's most a bulk call takes
IDENTITIES = ("customer_id", "email", "cookie", "device_id")

# Blueshift's documented error bodies.
DOCUMENTED_BODIES: dict[int, dict[str, Any]] = {
    400: {"errors": {"uuid": ["can't be blank"]}},
    401: {"message": "Not authorized"},
    403: {"message": "Permission denied"},
    404: {"message": "Customer not found"},
    409: {"message": "Conflict - please retry"},
    422: {"success": False, "error": "Validation failed"},
    429: {"message": "Rate limit exceeded"},
    500: {"message": "Internal Server Error - Please contact support for more information."},
    502: {"message": "Bad Gateway - Please retry the request."},
    503: {
        "message": "Service Unavailable - The service is temporarily unavailable. Try again later."
    },
    504: {
        "message": "Gateway Timeout - The server took too long to respond. "
        "Retry with exponential backoff."
    },
}

ENDLESS_SECONDS = 30.0  # an endless body stops by itself after this, client or not
TRICKLE_SECONDS = 15.0  # endless headers: the server gives up after this, and hangs up
DEEP_JSON = b"[" * 1000 + b"]" * 1000


def deep_object(depth: int = 1000) -> bytes:
    """A JSON object nested `depth` deep: {"message": {"message": ... 1 ...}}."""
    return b'{"message": ' * depth + b"1" + b"}" * depth


@functools.cache
def gzip_bomb(inflated_mb: int = 1024) -> bytes:
    """A valid gzip body of `inflated_mb` MB of zeros, about 1,000 times smaller.

    After a full flush the compressor starts afresh, so every further megabyte of zeros
    compresses to the same bytes: compress two, repeat the second. Seconds, not minutes.
    """
    zeros = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush()
    crc = 0
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<II", crc, (inflated_mb << 20) & 0xFFFFFFFF)
    return header + first + again * (inflated_mb - 1) + end + trailer


HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>"
)


@dataclass
class Reply:
    """A scripted answer for the next request."""

    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the headers are sent
    trickle: float = 0.0  # seconds between body chunks of 16 bytes
    drop: bool = False  # close the connection without answering (a reset)
    gzip: bool = False  # send the body gzip-compressed, with Content-Encoding: gzip
    endless: bool = False  # after the body, repeat it until the client hangs up
    chunked: bool = False  # with endless: in chunked transfer coding, not until close
    head_trickle: float = 0.0  # seconds between the bytes of endless headers

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    at: float = field(default_factory=time.monotonic)

    @property
    def auth_user(self) -> str | None:
        """The username of the Basic credentials, or None."""
        value = self.headers.get("authorization", "")
        if not value.startswith("Basic "):
            return None
        decoded = base64.b64decode(value[6:]).decode()
        return decoded.split(":", 1)[0]


@dataclass
class Arrival:
    """An event that shows in show_events for `uuid` from `visible_at` (monotonic time),
    or from the `at_request`-th show_events request on."""

    uuid: str
    event: dict[str, Any]
    visible_at: float | None = None
    at_request: int | None = None


class StandIn:
    """The server's state; tests configure it and read `requests`."""

    def __init__(
        self,
        api_key: str = "test-key-0123456789abcdef",
        event_api_key: str = "test-event-key-fedcba9876543210",
    ) -> None:
        self.api_key = api_key
        self.event_api_key = event_api_key
        self.ingest_delay = 0.0  # seconds before a sent event shows in show_events
        self.arrivals: list[Arrival] = []
        self.customers: dict[str, Any] = {}
        self.people: dict[str, list[dict[str, Any]]] = {}  # email -> Search customer users
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.hourly_limit: int | None = None
        self._answered: list[float] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------
    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order, before normal behaviour."""
        self.replies.extend(replies)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def show_events_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == SHOW_EVENTS]

    def event_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == EVENT]

    def bulk_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == BULK]

    def arrive(
        self,
        uuid: str,
        event: dict[str, Any],
        *,
        after: float | None = None,
        at_request: int | None = None,
    ) -> None:
        """Let `event` appear for `uuid` after `after` seconds, or from the `at_request`-th
        show_events request on."""
        visible_at = time.monotonic() + after if after is not None else None
        with self._lock:
            self.arrivals.append(Arrival(uuid, event, visible_at, at_request))

    # -- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> StandIn:
        """Serve on 127.0.0.1:`port` (0: any free port) in a background thread."""
        standin = self

        class Handler(_Handler):
            state = standin

        self._server = _Server(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- behaviour ---------------------------------------------------------------------
    def answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self.replies:
                return self.replies.popleft()
        if recorded.path in (EVENT, BULK):
            return self._take_events(recorded)
        if recorded.auth_user != self.api_key:
            return Reply(401, DOCUMENTED_BODIES[401])
        if recorded.path == SEARCH:
            email = (recorded.query.get("email") or [""])[0]
            users = self.people.get(email.lower(), [])
            return Reply(200, {"users": users, "user": users[0] if users else {}})
        if recorded.path != SHOW_EVENTS:
            return Reply(404, {"message": "Not found"})
        with self._lock:
            now = time.monotonic()
            self._answered = [t for t in self._answered if now - t < 3600]
            if self.hourly_limit is not None and len(self._answered) >= self.hourly_limit:
                return Reply(429, DOCUMENTED_BODIES[429])
            self._answered.append(now)
        uuid = (recorded.query.get("uuid") or [""])[0]
        if not uuid:
            return Reply(400, DOCUMENTED_BODIES[400])
        self._deliver(len(self.show_events_requests()))
        if uuid not in self.customers:
            return Reply(404, DOCUMENTED_BODIES[404])
        return Reply(200, self.customers[uuid])

    def _deliver(self, request_number: int) -> None:
        """Move the arrivals whose time has come into their customer's events."""
        now = time.monotonic()
        with self._lock:
            due = [
                a
                for a in self.arrivals
                if (a.visible_at is not None and a.visible_at <= now)
                or (a.at_request is not None and a.at_request <= request_number)
            ]
            for arrival in due:
                self.arrivals.remove(arrival)
                self.customers.setdefault(arrival.uuid, []).append(arrival.event)

    def _take_events(self, recorded: Recorded) -> Reply:
        """The Event API: Basic auth with the Event API key; one event, or a bulk call's
        `{"events": [...]}` of at most BULK_EVENTS (413 beyond); Blueshift's 400 for an
        event without `event` or an identity (the whole call refused); each event queued
        for its customer."""
        if recorded.method != "POST":
            return Reply(404, {"message": "Not found"})
        if recorded.auth_user != self.event_api_key:
            return Reply(401, DOCUMENTED_BODIES[401])
        try:
            body = json.loads(recorded.body)
        except ValueError:
            return Reply(400, {"errors": {"body": ["is not valid JSON"]}})
        if not isinstance(body, dict):
            return Reply(400, {"errors": {"body": ["must be a JSON object"]}})
        events = [body]
        if recorded.path == BULK:
            events = body.get("events")
            if not isinstance(events, list) or not events:
                return Reply(400, {"errors": {"events": ["can't be blank"]}})
            if len(events) > BULK_EVENTS:
                return Reply(413, {"message": f"at most {BULK_EVENTS} events in one call"})
        for event in events:
            refused = _refusal(event)
            if refused is not None:
                return refused
        for event in events:
            uuid = self._customer_of(event)
            if uuid is not None:
                # Blueshift stamps an event sent without a time with the time it came.
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
                shown = {"timestamp": stamp, **event, "user_uuid": uuid, "_bsft_doc_type": "events"}
                self.arrive(uuid, shown, after=self.ingest_delay)
        return Reply(200, {"status": "ok"})

    def _customer_of(self, body: dict[str, Any]) -> str | None:
        for users in self.people.values():
            for user in users:
                if (body.get("email") and body["email"].lower() == str(user.get("email"))) or (
                    body.get("customer_id") and body["customer_id"] == user.get("customer_id")
                ):
                    return str(user["uuid"])
        return None


def _refusal(event: Any) -> Reply | None:
    """Blueshift's 400 for an event it does not take, or None."""
    if not isinstance(event, dict):
        return Reply(400, {"errors": {"body": ["must be a JSON object"]}})
    if not event.get("event"):
        return Reply(400, {"errors": {"event": ["can't be blank"]}})
    if not any(event.get(name) for name in IDENTITIES):
        return Reply(400, {"errors": {"customer": ["an email, customer_id, cookie or device_id"]}})
    return None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) is expected; anything else is shown.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    state: StandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        recorded = Recorded(
            method,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            self.rfile.read(length) if length else b"",
        )
        reply = self.state.answer(recorded)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            # SO_LINGER 0 turns close() into a TCP reset, like a proxy dropping us.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.close_connection = True
            return
        body = reply.encoded()
        headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
        if reply.gzip:
            body = gzip.compress(body, mtime=0) if body[:2] != b"\x1f\x8b" else body
            headers["Content-Encoding"] = "gzip"
        if reply.head_trickle:
            self._trickle_head(reply, {**headers, "Content-Length": str(len(body))})
            return
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if reply.endless and reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._endless(body, chunked=True)
            return
        if reply.endless:
            # No length: the body ends when the connection does, which is never, unless
            # the client hangs up (or ENDLESS_SECONDS pass: a test server stops itself).
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self._endless(body)
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if reply.trickle:
            for start in range(0, len(body), 16):
                self.wfile.write(body[start : start + 16])
                self.wfile.flush()
                time.sleep(reply.trickle)
        else:
            self.wfile.write(body)

    def _trickle_head(self, reply: Reply, headers: dict[str, str]) -> None:
        """The status line and headers one byte at a time, `head_trickle` apart, the
        headers never ending: each read the client makes succeeds, so only a deadline
        over the whole exchange ends it. The server gives up after TRICKLE_SECONDS."""
        lines = [f"HTTP/1.1 {reply.status} {self.responses[reply.status][0]}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self.close_connection = True
        stop = time.monotonic() + TRICKLE_SECONDS
        for byte in itertools.chain(head, itertools.cycle(b"X-Slow: 1\r\n")):
            if time.monotonic() > stop:
                return
            self.wfile.write(bytes([byte]))
            time.sleep(reply.head_trickle)

    def _endless(self, chunk: bytes, *, chunked: bool = False) -> None:
        chunk = chunk or b"[" + b'{"event": "pageload"},' * 3000
        if chunked:
            chunk = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        stop = time.monotonic() + ENDLESS_SECONDS
        try:
            while time.monotonic() < stop:
                self.wfile.write(chunk)
        except OSError:
            return  # the client hung up, as it should
