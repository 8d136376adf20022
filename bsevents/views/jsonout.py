"""JSON and NDJSON output: the event objects exactly as received, in the order given.

No rich here: piping JSON must stay fast and light. Text is produced in chunks so that
100,000 events never sit in memory twice over as one giant string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bsevents.model.json_text import encode_json
from bsevents.model.sanitize import escape_json_text


def _no_default(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON text, exactly as json.dumps(ensure_ascii=False) writes it.

    json.dumps builds a new C encoder on every call; for 10,000 small objects that costs
    a third of the time, so the C encoder is built once here. (Parsed JSON cannot hold
    cycles, so the cycle check is off.) Pythons without the C encoder use the plain one.
    """
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(ensure_ascii=False).encode
    one = make(None, _no_default, encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(one(value, 0))


_ENCODE = _make_encoder()
_PRETTY = json.JSONEncoder(ensure_ascii=False, indent=2).encode
_CHUNK = 1 << 20  # characters gathered before each write


def dump_event(event: Any) -> str:
    """One event as compact JSON on one line, safe to show on a terminal."""
    text = encode_json(event, _ENCODE)
    # isascii() is O(1) on str; only non-ASCII text can hold the C1 and bidi characters
    # that need escaping (json already escapes C0 controls).
    return text if text.isascii() else escape_json_text(text)


def pretty_json(value: Any) -> str:
    """Indented JSON of any value, safe on a terminal, ending with a newline."""
    return escape_json_text(encode_json(value, _PRETTY)) + "\n"


def json_chunks(events: Sequence[Any], *, pretty: bool = False) -> Iterator[str]:
    """A JSON array, in pieces of about a megabyte written as they are made. Compact form
    puts one event per line, which keeps the C encoder's speed, reads well in a pager and
    diffs well; pretty form indents for a terminal."""
    if pretty:
        yield pretty_json(list(events))
        return
    if not events:
        yield "[]\n"
        return
    yield from _gather((dump_event(e) for e in events), "[\n", ",\n", "\n]\n")


def ndjson_chunks(events: Sequence[Any]) -> Iterator[str]:
    """One compact JSON object per line (NDJSON / JSON Lines), in pieces."""
    if events:
        yield from _gather((dump_event(e) for e in events), "", "\n", "\n")


def _gather(lines: Iterator[str], start: str, between: str, end: str) -> Iterator[str]:
    buffer: list[str] = [start]
    size = 0
    first = True
    for line in lines:
        if not first:
            buffer.append(between)
        first = False
        buffer.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    buffer.append(end)
    yield "".join(buffer)
