"""JSON as events arrive in it: read within bounds (no NaN or Infinity, numbers a double
can hold, nesting the parser can follow), values nested past MAX_DEPTH summarised, and
written back. Pure functions; nothing here prints.
"""

from __future__ import annotations

import gc
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _finite_float(text: str) -> float:
    """A JSON number as a double. One too large for a double (1e400) becomes the largest
    double, as jq does, rather than infinity, which JSON cannot write back."""
    value = float(text)
    if math.isinf(value):
        return math.copysign(sys.float_info.max, value)
    return value


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise ValueError(f"{name} is not valid JSON")


class NumberOutOfRange(ValueError):
    """A JSON number that a double cannot hold: it would be read as another number."""


def _exact_float(text: str) -> float:
    value = float(text)
    mantissa = text.lower().partition("e")[0]
    if math.isinf(value) or (value == 0 and any(c in "123456789" for c in mantissa)):
        raise NumberOutOfRange(f"{text} is beyond what a double holds")
    return value


# JSON nested this deep is always read; deeper, as far as the parser goes from there
# (about 2,000 levels on Python 3.11, whose parser counts against the recursion limit).
READ_DEPTH = 1000


class TooDeep(ValueError):
    """JSON nested deeper than the parser can follow: unreadable, as invalid JSON is."""


@contextmanager
def room_to_nest() -> Iterator[None]:
    """Python's JSON parser and encoder nest on the interpreter's stack (up to 3.11 they
    count against the recursion limit): room for READ_DEPTH levels below the caller, so
    that how deep JSON may go does not depend on how deep the caller's stack is."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(old + READ_DEPTH + 100)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def loads(text: bytes | str, *, exact_numbers: bool = False) -> Any:
    """json.loads for event data: no NaN or Infinity in, so none can come out. JSON of
    READ_DEPTH levels is read from any caller; JSON nested deeper than the parser can
    follow is a ValueError (TooDeep) like any other unreadable JSON, not a
    RecursionError. A number too large for a double becomes the largest double; with
    `exact_numbers`, it is a NumberOutOfRange instead (as is a nonzero number that would
    become 0)."""
    parse_float = _exact_float if exact_numbers else _finite_float
    try:
        with room_to_nest():
            return json.loads(text, parse_float=parse_float, parse_constant=_no_constant)
    except RecursionError:
        raise TooDeep("arrays and objects nested too deeply to read") from None


# What stands for the parts of an event nested deeper than MAX_DEPTH levels.
MAX_DEPTH = 100
TOO_DEEP = f"(nested deeper than {MAX_DEPTH} levels)"


class Summarised(str):
    """TOO_DEEP standing in for a value cut at MAX_DEPTH: a str, so every view and encoder
    shows it as that text; a type of its own, so lint tells it from a visitor's string."""


SUMMARISED = Summarised(TOO_DEEP)


def cut_deep(value: Any, limit: int = MAX_DEPTH) -> Any:
    """A copy of `value` in which every array or object more than `limit` levels down is
    replaced by SUMMARISED. Iterative, so any depth that parsed can be cut."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    while stack:
        item, parent, slot, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                item = SUMMARISED
            elif isinstance(item, dict):
                copy: Any = dict.fromkeys(item)
                stack.extend((child, copy, key, depth + 1) for key, child in item.items())
                item = copy
            else:
                copy = [None] * len(item)
                stack.extend((child, copy, i, depth + 1) for i, child in enumerate(item))
                item = copy
        parent[slot] = item
    return root[0]


_NESTING = (dict, list)
_STRING_RE = re.compile(rb'"[^"]*"')
_KEEP = b'"[]{}'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
# Objects and arrays nest alike: one kind of bracket makes each peel exactly one level.
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def too_deep(body: bytes, limit: int) -> bool:
    """True when JSON text nests arrays and objects more than `limit` deep.

    Done on the bytes, before parsing, so that no parser or later walk ever meets the
    depth: escapes are dropped, then everything but quotes and brackets, then strings
    (which may hold brackets); what is left is the bracket skeleton, peeled one level per
    pass. For 100,000 events this costs a small fraction of the parse itself.
    """
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Most strings hold no bracket and shrink to `""`: one replace is much faster than the
    # regular expression, which then only sees the few strings that do.
    skeleton = body.translate(_ONE_KIND, _DROP).replace(b'""', b"")
    skeleton = _STRING_RE.sub(b"", skeleton)
    for _ in range(limit):
        peeled = skeleton.replace(b"[]", b"")
        if len(peeled) == len(skeleton):
            return False  # all peeled, or a stray quote the parser will refuse anyway
        skeleton = peeled
    return b"[]" in skeleton


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests arrays and objects more than `limit` levels (a scalar is 0
    levels, `[]` one). It stops at the first path that is too deep. Called for every event,
    so the usual shallow value is told apart with the fewest steps: by recursion, which is
    faster than a stack of tuples, as long as `limit` is far from Python's own limit."""
    if limit > MAX_DEPTH:
        return _deeper_than_by_stack(value, limit)
    kind = type(value)
    if kind is not dict and kind is not list:
        return False
    if limit < 1:
        return True
    for child in value.values() if kind is dict else value:
        child_kind = type(child)
        if (child_kind is dict or child_kind is list) and deeper_than(child, limit - 1):
            return True
    return False


def _deeper_than_by_stack(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth >= limit:
                return True
            children = item.values() if kind is dict else item
            stack.extend((child, depth + 1) for child in children if type(child) in _NESTING)
    return False


def summarised_path(value: Any) -> str | None:
    """The dotted path of the first value cut_deep summarised in `value`, or None."""
    # Called for every event by lint: a path is only built for a value that needs one,
    # not for each of the scalars that most keys hold.
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        items = item.items() if type(item) is dict else enumerate(item)
        for key, child in items:
            kind = type(child)
            if kind is Summarised:
                return f"{path}.{key}" if path else str(key)
            if kind is dict or kind is list:
                stack.append((child, f"{path}.{key}" if path else str(key)))
    return None


def encode_json(value: Any, encode: Callable[[Any], str]) -> str:
    """`encode(value)`, or when `value` is too deep for the encoder, of its cut copy."""
    try:
        return encode(value)
    except RecursionError:
        return encode(cut_deep(value))


def load_json(body: bytes | str) -> Any:
    """json.loads with the cyclic garbage collector paused: parsed JSON has no cycles,
    and the collections that 2 million new objects would trigger take as long as the
    parse itself (0.9 s instead of 0.5 s for 100,000 events)."""
    with collector_paused():
        return loads(body)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while objects without cycles are made by the
    million (parsed JSON, events made from it), each pass of it walking them all again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


TYPE_NAMES = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value; integers and fractions are both numbers.
    (json.loads makes only these exact types.)"""
    return TYPE_NAMES.get(type(value), "object")


def unreadable_json(what: str, exc: Exception) -> str:
    """Why `what` (`the response`, a file's name) could not be read as JSON, in a line."""
    if isinstance(exc, TooDeep):
        return (
            f"{what} nests arrays and objects too deeply to read (more than {READ_DEPTH:,} levels)"
        )
    return f"{what} is not valid JSON ({describe_json_error(exc)})"


def describe_json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(exc)
