"""Reading a Redis server's replies within bounds: the one place that plugs into the redis
library's parser interface.

redis-py's own parser trusts the server. A bulk reply is read to the length its header
declares (`$3000000000` makes it buffer 3 GB), an array is built to any declared count,
a line is read until its CRLF however long it is, and its socket timeout bounds each read,
not a reply: a server that sends a byte every 0.3 s is never timed out. Anyone who can
reach the team's Redis, or a broken proxy in front of it, could so stall or exhaust every
member's bsevents.

This parser takes its place through `parser_class`, an argument of redis-py's
connections. It reads RESP2 (the protocol bsevents speaks) itself and refuses, before
reading on, a reply of more than REPLY_BYTES, more than REPLY_ELEMENTS elements, nested
deeper than REPLY_DEPTH, or a line longer than LINE_BYTES; and each reply must arrive
within REPLY_SECONDS, plus a second per SLOW_LINK_BYTES it holds (a large stored copy over
a slow link, never a trickle). It relies on redis-py's parser interface (`BaseParser`,
`on_connect`, `on_disconnect`, `can_read`, `read_response`) and on the connection's
`_sock`, `socket_timeout` and `encoder`, the attributes redis-py's own parsers read;
tests/test_redis_bounds.py runs it against a real redis-server and a hostile one.
Imported only when a shared store is used, as the redis library is.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from typing import Any

from redis._parsers import BaseParser
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse
from redis.exceptions import TimeoutError as RedisTimeoutError

MB = 1024 * 1024
# How long the store may take over one request: nothing waits on it for long.
TIMEOUT_SECONDS = 0.5
# The largest reply bsevents asks for is a stored copy (at most 64 MB, cache.shared), and
# the longest array a window's budget: 3 + 6 values for each of at most 1,000 calls.
REPLY_BYTES = 65 * MB
REPLY_ELEMENTS = 10_000
REPLY_DEPTH = 4
LINE_BYTES = 64 * 1024
REPLY_SECONDS = TIMEOUT_SECONDS
SLOW_LINK_BYTES = 4 * MB
_CRLF = b"\r\n"
_INTEGER_RE = re.compile(rb"-?[0-9]{1,19}")


class ReplyTooLarge(InvalidResponse):
    """A reply past one of the bounds; the connection is dropped, not read on."""


class BoundedParser(BaseParser):
    """A RESP2 parser for redis-py that reads every reply within the bounds above."""

    def __init__(self, socket_read_size: int) -> None:
        self._read_size = socket_read_size
        self._sock: socket.socket | None = None
        self._timeout: float | None = None
        self.encoder: Any = None
        self._buffer = bytearray()
        self._at = 0  # where the unread part of _buffer starts
        self._deadline = 0.0
        self._received = 0
        self._elements = 0

    def on_connect(self, connection: Any) -> None:
        self._sock = connection._sock
        self._timeout = connection.socket_timeout
        self.encoder = connection.encoder
        self._buffer = bytearray()
        self._at = 0

    def on_disconnect(self) -> None:
        self._sock = None
        self.encoder = None
        self._buffer = bytearray()
        self._at = 0

    def can_read(self, timeout: float = 0) -> bool:
        """Whether data (or the server's hang-up) waits: redis-py asks before reusing a
        connection, and never for anything bsevents reads."""
        if self._at < len(self._buffer):
            return True
        if self._sock is None:
            return False
        import select

        pending = getattr(self._sock, "pending", None)  # TLS bytes already decrypted
        if pending is not None and pending():
            return True
        return bool(select.select([self._sock], [], [], timeout)[0])

    def read_response(self, disable_decoding: bool = False, **_: Any) -> Any:
        """One whole reply (an error reply is returned, as redis-py's parsers do)."""
        self._deadline = time.monotonic() + REPLY_SECONDS
        self._received = 0
        self._elements = 0
        try:
            reply = self._value(disable_decoding, 0)
        except BaseException:
            self._buffer = bytearray()  # the connection is dropped: nothing left to read
            self._at = 0
            raise
        finally:
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.settimeout(self._timeout)
        del self._buffer[: self._at]
        self._at = 0
        return reply

    def _value(self, raw: bool, depth: int) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            error = self.parse_error(rest.decode("utf-8", "replace"))  # type: ignore[no-untyped-call]
            if isinstance(error, RedisConnectionError):
                raise error
            return error
        if kind == b":":
            return _integer(rest)
        if kind == b"*":
            count = _length(rest)
            if count is None:
                return None
            self._elements += count
            if self._elements > REPLY_ELEMENTS:
                raise ReplyTooLarge(f"a reply of more than {REPLY_ELEMENTS:,} elements")
            if depth >= REPLY_DEPTH:
                raise ReplyTooLarge(f"a reply nested more than {REPLY_DEPTH} deep")
            return [self._value(raw, depth + 1) for _ in range(count)]
        if kind == b"+":
            value = rest
        elif kind == b"$":
            size = _length(rest)
            if size is None:
                return None
            if size > REPLY_BYTES:
                raise ReplyTooLarge(f"a reply of more than {REPLY_BYTES // MB} MB")
            value = self._exact(size)
        else:
            raise InvalidResponse(f"Protocol Error: {line[:40]!r}")
        return value if raw else self.encoder.decode(value)

    def _line(self) -> bytes:
        while True:
            end = self._buffer.find(_CRLF, self._at)
            if end >= 0:
                line = bytes(self._buffer[self._at : end])
                self._at = end + 2
                return line
            if len(self._buffer) - self._at > LINE_BYTES:
                raise ReplyTooLarge(f"a reply line of more than {LINE_BYTES // 1024} kB")
            self._fill()

    def _exact(self, size: int) -> bytes:
        while len(self._buffer) - self._at < size + 2:
            self._fill()
        end = self._at + size
        if self._buffer[end : end + 2] != _CRLF:
            raise InvalidResponse("Protocol Error: a bulk reply longer than it said")
        value = bytes(self._buffer[self._at : end])
        self._at = end + 2
        if self._at > LINE_BYTES:  # no copy of a large value left behind in the buffer
            del self._buffer[: self._at]
            self._at = 0
        return value

    def _fill(self) -> None:
        """Read what the socket has, within the reply's deadline and size."""
        if self._sock is None:
            raise RedisConnectionError("Connection closed by server.")
        left = self._deadline + self._received / SLOW_LINK_BYTES - time.monotonic()
        if left <= 0:
            raise RedisTimeoutError("Timeout reading from socket")
        self._sock.settimeout(left if self._timeout is None else min(left, self._timeout))
        try:
            data = self._sock.recv(self._read_size)
        except TimeoutError:  # socket.timeout
            raise RedisTimeoutError("Timeout reading from socket") from None
        if not data:
            raise RedisConnectionError("Connection closed by server.")
        self._received += len(data)
        if self._received > REPLY_BYTES + LINE_BYTES:
            raise ReplyTooLarge(f"a reply of more than {REPLY_BYTES // MB} MB")
        self._buffer += data


def _integer(text: bytes) -> int:
    """A RESP length or integer: at most 19 digits, so no int() of a hostile megabyte."""
    if not _INTEGER_RE.fullmatch(text):
        raise InvalidResponse(f"Protocol Error: not a number: {text[:40]!r}")
    return int(text)


def _length(text: bytes) -> int | None:
    """A bulk or array length: None for -1 (RESP2's null), never another negative."""
    length = _integer(text)
    if length < -1:
        raise InvalidResponse(f"Protocol Error: a length of {length}")
    return None if length == -1 else length
