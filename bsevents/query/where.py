"""`--where PATH OP VALUE`: conditions on an event's fields, parsed and matched.

Pure functions; nothing here prints. PATH is the dotted path of `--fields`
(`products.0.sku`). `=`, `!=` and `~` compare text: a string value as it is, any other
value as its compact JSON text, so `paid=true` and `revenue=12.50` mean what a reader of
the JSON sees. The number comparisons read numbers and numbers sent as strings; a value
that is not a number never passes them. A missing path passes only `!=` (it does not
have that value); a bare PATH asks for a present, non-null value.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bsevents.errors import UsageProblem
from bsevents.model.events import Event
from bsevents.model.fields import check_path, field_value, has_field

# Two-character operators first, so `>=` is not read as `>` with the value `=…`.
OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "~")
NUMERIC = frozenset({">", ">=", "<", "<="})
# The characters that start an operator: the path ends at the first of them.
_OPERATOR_START = re.compile(r"[=!<>~]")
# JSON's number grammar, with surrounding space allowed: `"12.50"`, `" 3 "`, `-1e3`. ASCII
# digits only, as in JSON: a bare \d takes `٣` too.
_NUMBER_RE = re.compile(r"\s*-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?\s*", re.ASCII)
WHERE_HINT = (
    "write PATH=VALUE, PATH!=VALUE, PATH>N, PATH>=N, PATH<N, PATH<=N, PATH~TEXT or a bare "
    "PATH, e.g. --where order_id=ORD-1 --where revenue>10 --where products.0.sku"
)


@dataclass(frozen=True)
class Condition:
    """One `--where`: `op` is one of OPERATORS, or "" for a bare PATH (present, not null)."""

    text: str  # as the user wrote it, for messages
    path: str
    op: str = ""
    value: str = ""
    number: int | float | None = None  # the value, for the number comparisons


def parse_condition(text: str) -> Condition:
    """One `--where` value. Raises UsageProblem naming the condition when it is malformed."""
    found = _OPERATOR_START.search(text)
    path = (text if found is None else text[: found.start()]).strip()
    if not path:
        raise UsageProblem(f"--where {text!r} has no field path before the operator", WHERE_HINT)
    if "" in path.split("."):
        raise UsageProblem(f"--where {text!r}: the path {path!r} has an empty part", WHERE_HINT)
    check_path(path, "--where")
    if found is None:
        return Condition(text, path)
    rest = text[found.start() :]
    op = next((o for o in OPERATORS if rest.startswith(o)), None)
    if op is None:  # a lone `!`
        raise UsageProblem(f"--where {text!r} has no operator that bsevents knows", WHERE_HINT)
    value = rest[len(op) :]
    if op in ("=", "!=") and value.startswith("="):
        # `revenue==5` would quietly compare with the text "=5" and match nothing.
        raise UsageProblem(
            f"--where {text!r}: {op}= is not an operator; {path}{op}{value[1:]} compares text",
            WHERE_HINT,
        )
    if op in NUMERIC:
        number = parse_number(value)
        if number is None:
            raise UsageProblem(
                f"--where {text!r}: {op} compares numbers, and {value!r} is not one", WHERE_HINT
            )
        return Condition(text, path, op, value, number)
    if op == "~" and not value:
        raise UsageProblem(f"--where {text!r} has no text to look for after ~", WHERE_HINT)
    return Condition(text, path, op, value)


def parse_where(values: Iterable[str] | None) -> tuple[Condition, ...]:
    """Every `--where` value, in order; the first malformed one raises UsageProblem."""
    return tuple(parse_condition(value) for value in values or ())


def parse_number(text: str) -> int | float | None:
    """A finite number written the JSON way (surrounding space allowed), or None. Whole
    numbers stay exact ints: Python compares them with floats exactly, at any size."""
    if _NUMBER_RE.fullmatch(text) is None:
        return None
    try:
        if not any(c in text for c in ".eE"):
            return int(text)
        number = float(text)
    except ValueError:  # more digits than Python converts
        return None
    return number if math.isfinite(number) else None


def value_text(value: Any) -> str:
    """How `=`, `!=` and `~` see a value: a string as it is, anything else as compact
    JSON (`true`, `null`, `12.5`, `["a","b"]`)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def number_of(value: Any) -> int | float | None:
    """A JSON number, or a string holding one; None for anything else (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value  # not float(value): a 400-digit id would overflow
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return parse_number(value)
    return None


def holds(event: Event, condition: Condition) -> bool:
    """Whether one event passes one condition."""
    op = condition.op
    if not has_field(event, condition.path):
        return op == "!="
    value = field_value(event, condition.path)
    if op == "":
        return value is not None
    if op in NUMERIC:
        number = number_of(value)
        if number is None or condition.number is None:
            return False
        return _compare(number, op, condition.number)
    text = value_text(value)
    if op == "=":
        return text == condition.value
    if op == "!=":
        return text != condition.value
    return condition.value.casefold() in text.casefold()


def all_hold(event: Event, conditions: Iterable[Condition]) -> bool:
    return all(holds(event, condition) for condition in conditions)


def _compare(left: int | float, op: str, right: int | float) -> bool:
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    return left <= right
