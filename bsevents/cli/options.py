"""Options several commands share, declared once with their heading, so that their names,
help and headings cannot drift: a new option shared by `events` and `lint` is one edit
here and one parameter in each command."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from bsevents.cli.helptext import ACCOUNT, CALLS, CUSTOMER, FILTERS, VIEW
from bsevents.views.choices import ColorChoice

# -- numbers -------------------------------------------------------------------------

# Numbers as a person types them: ASCII digits, no `_`, no `nan` or `inf`. int() and
# float(), which click and pydantic use, also read `١٠` (Arabic-Indic), `1_000` and `nan`.
_WHOLE_RE = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]*)?|\.[0-9]{1,18})(?:[eE][+-]?[0-9]{1,3})?")


def typed_on_command_line(command: typer.Context, name: str) -> bool:
    """Whether the option of parameter `name` was given on the command line, not defaulted
    (click's public `get_parameter_source`; its enum lives in the vendored, private click)."""
    source = command.get_parameter_source(name)
    return getattr(source, "name", None) == "COMMANDLINE"


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


# -- the customer and where the events come from ------------------------------------------

CustomerArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="CUSTOMER",
        help="Customer UUID, a dashboard URL copied from the browser, or an email address.",
        show_default=False,
    ),
]
UuidOption = Annotated[
    str | None,
    typer.Option(
        "--uuid", "-u", metavar="CUSTOMER", help="Same as CUSTOMER.", rich_help_panel=CUSTOMER
    ),
]
EmailOption = Annotated[
    str | None,
    typer.Option(
        "--email",
        metavar="ADDRESS",
        help="Find the customer by email (Search customer; costs no events call).",
        rich_help_panel=CUSTOMER,
    ),
]
DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Use the bundled demo journey: no key, no call.",
        rich_help_panel=CUSTOMER,
    ),
]
FromFileOption = Annotated[
    str | None,
    typer.Option(
        "--from-file",
        "-f",
        metavar="PATH",
        help="Read a saved response (- for stdin): --json output, NDJSON or a Postman "
        "export. No key, no call.",
        rich_help_panel=CUSTOMER,
    ),
]

# -- calls and the budget --------------------------------------------------------------

TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        parser=decimal_number(low=0.1),
        help="Give up after this long.",
        rich_help_panel=CALLS,
    ),
]
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        metavar="N",
        parser=whole_number(low=0, high=5),
        help="Retry 502/503/504 and dropped connections up to N times (each retry is "
        "a call of the budget; never past the cap).",
        rich_help_panel=CALLS,
    ),
]
RefreshOption = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="Make a live call even if a fresh copy is stored.",
        rich_help_panel=CALLS,
    ),
]
OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline", help="Never call: use the last stored response.", rich_help_panel=CALLS
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Call even at the hourly cap or after a 429 (live call).",
        rich_help_panel=CALLS,
    ),
]
WaitOption = Annotated[
    str | None,
    typer.Option(
        "--wait",
        metavar="DURATION",
        help="Ask again, sparing the hourly budget, until what is asked for has arrived "
        "(e.g. 15m); exit 6 at the deadline.",
        rich_help_panel=CALLS,
    ),
]

# -- profile and region ----------------------------------------------------------------


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

# -- filters ------------------------------------------------------------------------

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
WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="COND",
        help="Only events where COND holds: PATH=VALUE, PATH!=VALUE, PATH>N, PATH>=N, "
        "PATH<N, PATH<=N, PATH~TEXT (contains, ignoring case) or a bare PATH (present, not "
        "null). PATH is dotted like --fields. Repeat: all must hold.",
        rich_help_panel=FILTERS,
    ),
]
ExitStatusOption = Annotated[
    bool,
    typer.Option(
        "--exit-status",
        "-e",
        help="Exit 6 when no event passes the filters (like grep).",
        rich_help_panel=FILTERS,
    ),
]

# -- the view and messages ---------------------------------------------------------------

UtcOption = Annotated[
    bool,
    typer.Option("--utc", help="Show times in UTC instead of local time.", rich_help_panel=VIEW),
]
ColorOption = Annotated[
    ColorChoice,
    typer.Option(
        "--color",
        help="Colour: auto (on a terminal, unless NO_COLOR is set), always or never.",
        rich_help_panel=VIEW,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors still show).")
]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
]
