"""The filters of `events`, as jq filters: what `--curl` says for the options that curl
cannot express (the request is the same; choosing among the events happens after it).

Each filter keeps the events that bsevents would keep, read the way bsevents reads them
(`--where` compares text as text and numbers sent as strings as numbers), with one
difference said in the README: times are read from `timestamp` alone, in its UTC `Z` form.
Pure functions; every value the user typed is quoted as a JSON string, so no text can
end the filter early.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bsevents.query.where import NUMERIC, Condition

# The event's time as epoch seconds (fractions dropped), or null when it is not one.
_TIME = '(.timestamp | strings | sub("\\\\.[0-9]+"; "") | fromdateiso8601?)'
_TEXT = 'if type == "string" then . else tojson end'
_NUMBER = 'if type == "number" then . elif type == "string" then (tonumber? // null) else null end'


def quote(text: str) -> str:
    """`text` as a jq string literal (JSON's, which jq reads)."""
    return json.dumps(text)


def path_expression(path: str) -> str:
    """`products.0.sku` -> `["products", 0, "sku"]`: the path as jq's getpath and paths
    name it. A key that itself holds dots is not looked up whole."""
    steps = [int(p) if p.isascii() and p.isdigit() else p for p in path.split(".")]
    return json.dumps(steps)


def _value(path: str) -> str:
    """The value at `path`, null when the path leads nowhere (as bsevents' lookup)."""
    return f"(try getpath({path_expression(path)}) catch null)"


def _present(path: str) -> str:
    """Whether the event has `path` at all, null or not: `note=null` matches an explicit
    null, and a missing field passes only `!=`, as bsevents has it."""
    return f"any(paths; . == {path_expression(path)})"


def types_filter(types: Iterable[str]) -> str:
    tests = " or ".join(f".event == {quote(name)}" for name in sorted(types))
    return f"[.[] | select({tests})]"


def time_filter(since: float | None, until: float | None) -> str:
    tests = []
    if since is not None:
        tests.append(f"$t >= {since!r}")
    if until is not None:
        tests.append(f"$t <= {until!r}")  # exactly: the end of a bare date is x.999999
    return f"[.[] | select({_TIME} as $t | $t != null and {' and '.join(tests)})]"


def grep_filter(needle: str) -> str:
    return (
        "[.[] | select([.. | scalars | tostring | ascii_downcase | "
        f"contains({quote(needle.lower())})] | any)]"
    )


def where_filter(condition: Condition) -> str:
    value = _value(condition.path)
    op = condition.op
    if not op:
        test = f"{value} != null"
    elif op in NUMERIC:
        test = f"({value} | {_NUMBER}) as $n | $n != null and $n {op} {condition.number}"
    elif op == "~":
        text = f"{value} | {_TEXT} | ascii_downcase | contains({quote(condition.value.lower())})"
        test = f"{_present(condition.path)} and ({text})"
    else:
        compared = f"{_present(condition.path)} and ({value} | {_TEXT}) == {quote(condition.value)}"
        test = compared if op == "=" else f"(({compared}) | not)"
    return f"[.[] | select({test})]"


def limit_filter(limit: int) -> str:
    return f"sort_by(.timestamp) | .[-{limit}:]"


REVERSE = "sort_by(.timestamp) | reverse"
NDJSON = ".[]"
SORT = "sort_by(.timestamp)"  # oldest first, as bsevents shows them


def pipeline(filters: Sequence[str]) -> str:
    """The filters one after the other, on the events sorted as bsevents sorts them."""
    steps = [SORT, *(f.removeprefix(f"{SORT} | ") for f in filters)]
    return " | ".join(steps)
