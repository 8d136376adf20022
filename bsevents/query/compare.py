"""Comparing one sent event with one arrived event: which sent parameters did not arrive
as sent (`compare`), how many did (`equal_count`), whether the customers agree
(`compatible`), and the look-up keys that let matching find an unchanged arrival in one
step (`sent_key`, `arrived_key`). Pure.

Pixel values are text (`"30"` is `30`); an Event API body's are typed JSON (`30` is not
`"30"`); an empty value sent equals an absent one; Blueshift's own `_bsft_*` keys are
compared only when both sides have them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from bsevents.model.event_api import IDENTITY_KEYS, identity_text
from bsevents.model.events import Event
from bsevents.model.sent import Sent

_NUMBER_RE = re.compile(r"\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*", re.ASCII)


@dataclass(frozen=True)
class Difference:
    """A sent parameter that did not arrive as sent. `why`: `missing`, `renamed` (it
    arrived under `arrived_key`, a key differing in case only), `value` or `type`."""

    key: str
    sent: Any
    arrived: Any
    why: Literal["missing", "renamed", "value", "type"]
    arrived_key: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "sent": self.sent,
            "arrived": self.arrived,
            "why": self.why,
            "arrived_key": self.arrived_key,
        }


# -- comparing one sent event with one arrived event ---------------------------------------

_ABSENT: Any = object()


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "array"
    return "object"


def same_json(first: Any, second: Any) -> bool:
    """Equal as JSON values, types included (`30` and `30.0` are one number; `30` and
    `"30"`, `1` and `true` are not). Iterative: any depth that parsed can be compared."""
    stack = [(first, second)]
    while stack:
        a, b = stack.pop()
        kind = _kind(a)
        if kind != _kind(b):
            return False
        if kind == "object":
            if a.keys() != b.keys():
                return False
            stack.extend((a[key], b[key]) for key in a)
        elif kind == "array":
            if len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif a != b:
            return False
    return True


def _parsed(text: str) -> Any:
    """JSON text's value, or _ABSENT when it is not JSON."""
    from bsevents.model.json_text import loads

    try:
        return loads(text)
    except ValueError:
        return _ABSENT


def _text_verdict(sent: str, arrived: Any) -> str | None:
    """The pixel sends text: `"30"` is `30`, `"true"` is `true`. None when equal."""
    if isinstance(arrived, str):
        return None if sent == arrived else "value"
    if isinstance(arrived, bool):
        return None if sent == ("true" if arrived else "false") else "value"
    if isinstance(arrived, (int, float)):
        if len(sent) < 64 and _NUMBER_RE.fullmatch(sent):
            try:
                return None if float(sent) == float(arrived) else "value"
            except OverflowError:
                return "value"
        return "value"
    if isinstance(arrived, (dict, list)):
        parsed = _parsed(sent)
        return None if parsed is not _ABSENT and same_json(parsed, arrived) else "value"
    return "value"


def _typed_verdict(sent: Any, arrived: Any) -> str | None:
    if same_json(sent, arrived):
        return None
    return "type" if _kind(sent) != _kind(arrived) else "value"


def _lookup(sent: Sent, key: str, value: Any, event: Event) -> tuple[Any, str | None, Any]:
    """(the arrived value to compare with, the key it is under, the sent value to compare)
    for one sent parameter. A pixel's `products_json=[…]` compares with an arrived
    `products`, parsed, or with an arrived `products_json`."""
    if sent.text and key.endswith("_json") and len(key) > 5:
        parsed = _parsed(value) if isinstance(value, str) else _ABSENT
        if parsed is not _ABSENT:
            base = key[:-5]
            if base in event:
                return event[base], base, parsed
            if key in event:
                there = event[key]
                there = _parsed(there) if isinstance(there, str) else there
                return (event[key] if there is _ABSENT else there), key, parsed
    if key in event:
        return event[key], key, value
    return _ABSENT, None, value


def _verdict(sent: Sent, key: str, value: Any, event: Event) -> tuple[str | None, Any, Any]:
    """How one sent parameter arrived: (None when equal, else `missing`, `value` or
    `type`; the arrived value; the key it arrived under). An empty value sent (the
    pixel's usual `r=`) equals an absent one."""
    arrived, where, wanted = _lookup(sent, key, value, event)
    if _empty(wanted) and (arrived is _ABSENT or _empty(arrived)):
        return None, arrived, where
    if arrived is _ABSENT:
        return "missing", None, None
    if sent.text and isinstance(wanted, str):
        return _text_verdict(wanted, arrived), arrived, where
    return _typed_verdict(wanted, arrived), arrived, where


def _compared(sent: Sent, event: Event) -> Iterator[tuple[str, Any]]:
    """The sent parameters to compare: Blueshift's own `_bsft_*` keys only when the
    arrived event has them too."""
    for key, value in sent.params.items():
        if not (key.startswith("_bsft_") and key not in event):
            yield key, value


def equal_count(sent: Sent, event: Event) -> int:
    """How many sent parameters arrived as sent (what candidates are weighed by)."""
    return sum(
        _verdict(sent, key, value, event)[0] is None for key, value in _compared(sent, event)
    )


def compare(sent: Sent, event: Event) -> list[Difference]:
    """The sent parameters that did not arrive as sent; a missing one that arrived
    under a key differing in case only is `renamed`."""
    differences: list[Difference] = []
    lower: dict[str, str] | None = None
    for key, value in _compared(sent, event):
        verdict, arrived, where = _verdict(sent, key, value, event)
        if verdict is None:
            continue
        if verdict == "missing":
            if lower is None:
                lower = {}
                for name in event:
                    lower.setdefault(name.lower(), name)
            other = lower.get(key.lower())
            if other is not None and other != key:
                differences.append(Difference(key, value, event[other], "renamed", other))
            else:
                differences.append(Difference(key, value, None, "missing", None))
            continue
        why: Literal["value", "type"] = "type" if verdict == "type" else "value"
        differences.append(Difference(key, value, arrived, why, where))
    return differences


# -- the exact look-up: values on a set of keys, as a hashable key --------------------------

_EMPTY = ("empty",)


def _canon(value: Any) -> Any:
    """A JSON value as a hashable key, equal for values same_json finds equal."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)  # 30 == 30.0, and hashes alike: one number, as in same_json
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, list):
        return ("l", tuple(_canon(item) for item in value))
    return ("d", frozenset((key, _canon(item)) for key, item in value.items()))


def _typed_key(value: Any) -> Any:
    try:
        return _canon(value)
    except RecursionError:
        return object()  # equal to nothing: the weighing pass compares it instead


def _as_text(value: Any) -> str:
    """An arrived value as the pixel would have sent it: its look-up key in text mode,
    where a text value is its own key and "" stands for empty or absent."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def sent_key(sent: Sent, key: str) -> Any:
    value = sent.params[key]
    if not sent.text:
        return _EMPTY if _empty(value) else _typed_key(value)
    if key.endswith("_json") and value:
        parsed = _parsed(value)
        if parsed is not _ABSENT:
            return ("j", _typed_key(parsed))
    return value  # text: its own key ("" for empty)


def arrived_key(event: Event, key: str, text: bool) -> Any:
    if not text:
        value = event.get(key)
        return _EMPTY if _empty(value) else _typed_key(value)
    if key.endswith("_json") and len(key) > 5:
        if key[:-5] in event:
            return ("j", _typed_key(event[key[:-5]]))
        if isinstance(event.get(key), str):
            parsed = _parsed(event[key])
            return event[key] if parsed is _ABSENT else ("j", _typed_key(parsed))
    try:
        return _as_text(event.get(key))
    except (TypeError, ValueError, RecursionError):
        return object()


def identity_of(event: Event) -> dict[str, str]:
    found = {}
    for key in IDENTITY_KEYS:
        value = event.get(key)
        if value is not None:
            text = identity_text(value)
            if text is not None:
                found[key] = text
    return found


def compatible(sent: dict[str, str], arrived: dict[str, str]) -> bool:
    """No identity present on both sides disagrees (emails ignoring case)."""
    for key, value in sent.items():
        there = arrived.get(key)
        if there is None:
            continue
        if key == "email":
            if there.casefold() != value.casefold():
                return False
        elif there != value:
            return False
    return True
