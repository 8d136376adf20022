"""The option parser's errors in the tool's own words.

Click (typer 0.28) and pydantic (typer 0.29) word a bad value differently, and both use
notation such as `x>=1`; the user sees the same plain words on either. Imported only when
the parser refuses something, so its patterns cost nothing on a good command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Replacement = str | Callable[[re.Match[str]], str]


def _range(match: re.Match[str]) -> str:
    """Click's `5 is not in the range 0<=x<=3` as pydantic words it: the bound crossed."""
    value, low, high, at_least = match.groups()
    low = low or at_least
    try:
        below = low is not None and (high is None or float(value) < float(low))
    except ValueError:
        below = high is None
    return f"must be at least {low}" if below else f"must be at most {high}"


REWORDING: tuple[tuple[re.Pattern[str], Replacement], ...] = (
    (
        re.compile(r"'[^']*' is not a valid float( range)?|Input should be a valid number.*"),
        "not a number",
    ),
    (
        re.compile(r"'[^']*' is not a valid int(eger)?( range)?|Input should be a valid integer.*"),
        "not a whole number",
    ),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"(\S+) is not in the range (?:(\S+)<=)?x(?:<=(\S+)|>=(\S+))?"), _range),
    (re.compile(r"^(invalid value for .*?: )Value error, "), r"\1"),
    (re.compile(r"\(Possible options: (.*)\)$"), r"(did you mean \1?)"),
    (re.compile(r"\. Did you mean (.*)\?$"), r" (did you mean \1?)"),
    (
        re.compile(r"^got unexpected extra arguments?(?:\(s\))? \((.*)\)$"),
        r"too many arguments: \1",
    ),
)


def sentence(message: str) -> str:
    """Click's message as one line in the tool's style: lower-case start, no full stop,
    plain words for bad values."""
    text = " ".join(message.split()).rstrip(".")
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[:1].lower() + text[1:]
    for pattern, replacement in REWORDING:
        text = pattern.sub(replacement, text)
    return text
