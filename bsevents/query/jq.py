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
    """`products.0.sku` -> `.["products"]?[0]?["sku"]?`: a missing step gives null, as
    bsevents' dotted paths do. A key that itself holds dots is not looked up whole."""
    steps = []
    for part in path.split("."):
        steps.append(
            f"[{int(part)}]?" if part.isascii() and part.isdigit() else f"[{quote(part)}]?"
        )
    return "." + "".join(steps)


def types_filter(types: Iterable[str]) -> str:
    tests = " or ".join(f".event == {quote(name)}" for name in sorted(types))
    return f"[.[] | select({tests})]"


def time_filter(since: float | None, until: float | None) -> str:
    tests = []
    if since is not None:
        tests.append(f"$t >= {since:.0f}")
    if until is not None:
        tests.append(f"$t <= {until:.0f}")
    return f"[.[] | select({_TIME} as $t | $t != null and {' and '.join(tests)})]"


def grep_filter(needle: str) -> str:
    return (
        "[.[] | select([.. | scalars | tostring | ascii_downcase | "
        f"contains({quote(needle.lower())})] | any)]"
    )


def where_filter(condition: Condition) -> str:
    value = path_expression(condition.path)
    op = condition.op
    if not op:
        test = f"{value} != null"
    elif op in NUMERIC:
        test = f"({value} | {_NUMBER}) as $n | $n != null and $n {op} {condition.number}"
    elif op == "~":
        test = f"{value} | {_TEXT} | ascii_downcase | contains({quote(condition.value.lower())})"
    else:
        compared = f"({value} | {_TEXT}) == {quote(condition.value)}"
        test = compared if op == "=" else f"({compared} | not)"
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
