"""Options several commands share, declared once so their names and help cannot drift."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from bsevents.cli.helptext import ACCOUNT, FILTERS

# Numbers as a person types them: ASCII digits, no `_`, no `nan` or `inf`. int() and
# float(), which click and pydantic use, also read `١٠` (Arabic-Indic), `1_000` and `nan`.
_WHOLE_RE = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]*)?|\.[0-9]{1,18})(?:[eE][+-]?[0-9]{1,3})?")


def whole_number(low: int | None = None, high: int | None = None) -> Callable[[Any], int]:
    """A `parser=` for an int option: ASCII digits only, within [low, high]. (A parser, not
    min= and max=, which Typer would check only after int() has read any script's digits;
    `parser=` is the one custom type both Typer 0.28 and 0.29 take.)"""

    def parse(value: Any) -> int:
        if isinstance(value, int):  # the default
            return value
        text = str(value).strip()
        if not _WHOLE_RE.fullmatch(text):
            raise typer.BadParameter(_not_a("whole number", text))
        return _within(int(text), low, high)

    return parse


def decimal_number(low: float | None = None, high: float | None = None) -> Callable[[Any], float]:
    """A `parser=` for a float option, like whole_number: `30`, `2.5`, `1e2`."""

    def parse(value: Any) -> float:
        if isinstance(value, (int, float)):  # the default
            return float(value)
        text = str(value).strip()
        if not _DECIMAL_RE.fullmatch(text):
            raise typer.BadParameter(_not_a("number", text))
        return _within(float(text), low, high)

    return parse


def _not_a(kind: str, text: str) -> str:
    if any(char.isdigit() for char in text) and not text.isascii():
        return f"not a {kind}: write it in ASCII digits (0-9)"
    return f"not a {kind}"


Number = TypeVar("Number", int, float)


def _within(number: Number, low: float | None, high: float | None) -> Number:
    if low is not None and number < low:
        raise typer.BadParameter(f"must be at least {low:g}")
    if high is not None and number > high:
        raise typer.BadParameter(f"must be at most {high:g}")
    return number


ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="NAME",
        help="Profile to use (env BSEVENTS_PROFILE; default: the one chosen with "
        "`config use`, else default).",
        show_default=False,
        rich_help_panel=ACCOUNT,
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="us|eu",
        help="Blueshift region (env BLUESHIFT_REGION).",
        rich_help_panel=ACCOUNT,
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        metavar="URL",
        help="Replace the API base URL, e.g. a stand-in server (env BSEVENTS_BASE_URL).",
        rich_help_panel=ACCOUNT,
    ),
]

# The filters `events` and `lint` share.
TypesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--type",
        "-t",
        metavar="NAME",
        help="Only events with this name; repeat or separate with commas.",
        rich_help_panel=FILTERS,
    ),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="WHEN",
        help="Only events at or after WHEN: 2026-11-24, 2026-11-24T19:05, or 30m, 2h, 3d ago.",
        rich_help_panel=FILTERS,
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="WHEN",
        help="Only events at or before WHEN (a bare date includes that whole day).",
        rich_help_panel=FILTERS,
    ),
]
GrepOption = Annotated[
    str | None,
    typer.Option(
        "--grep",
        "-g",
        metavar="TEXT",
        help="Only events with TEXT in any field's value (ignoring case).",
        rich_help_panel=FILTERS,
    ),
]
