"""Bounds on what a server can make us hold: the body's size, compressed and inflated
(the nesting depth of its JSON is checked by model.json_text.too_deep). No HTTP here:
`client.py` feeds the bytes in."""

from __future__ import annotations

import io
import zlib

MB = 1024 * 1024
INFLATE_STEP = 1024 * 1024
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class TooLarge(Exception):
    """The body passed the cap; `inflated` tells whether it was the decompressed size."""

    def __init__(self, inflated: bool) -> None:
        super().__init__("too large")
        self.inflated = inflated


class UnknownEncoding(Exception):
    """A Content-Encoding we did not ask for and cannot decode."""


class BoundedBody:
    """Collects a body chunk by chunk as it arrives, decompressing gzip or deflate, and
    raises TooLarge as soon as the received or the inflated bytes pass `limit`: a 1 MB
    gzip bomb never becomes the gigabyte it inflates to."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.limit = limit
        self.received = 0
        self._out = io.BytesIO()
        self._size = 0
        codings = _codings(content_encoding)
        if len(codings) > 1:  # we ask for one coding; a stack of them is not an answer
            raise UnknownEncoding(content_encoding.strip())
        self._decoder = _decoder(codings[0]) if codings else None

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.limit:
            raise TooLarge(inflated=False)
        if self._decoder is None:
            self._write(chunk)
            return
        # A megabyte at a time: 64 kB of a bomb would otherwise inflate to 64 MB at once.
        while chunk:
            self._write(self._decoder.decompress(chunk, INFLATE_STEP))
            chunk = self._decoder.unconsumed_tail

    def finish(self) -> bytes:
        if self._decoder is not None:
            self._write(self._decoder.flush())
        # getvalue() hands over the buffer without a copy when nothing else holds it.
        return self._out.getvalue()

    def partial(self) -> bytes:
        """What was decoded before the cap: enough to quote an error answer."""
        return self._out.getvalue()

    def _write(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.limit:
            raise TooLarge(inflated=self._decoder is not None)
        self._out.write(data)


def _codings(header: str) -> list[str]:
    names = [part.strip().lower() for part in header.split(",")]
    return [name for name in names if name and name != "identity"]


def _decoder(name: str) -> zlib._Decompress:
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(_GZIP_WBITS)
    if name == "deflate":
        # Servers send zlib-wrapped deflate (RFC 9110); +32 also detects a gzip header.
        return zlib.decompressobj(32 + zlib.MAX_WBITS)
    raise UnknownEncoding(name)
