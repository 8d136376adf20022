"""Options several commands share, declared once with their heading, so that their names,
help and headings cannot drift: a new option shared by `events` and `lint` is one edit
here and one parameter in each command."""

from __future__ import annotations

from typing import Annotated

import typer

from bsevents.cli.helptext import ACCOUNT, CALLS, CUSTOMER, FILTERS, VIEW
from bsevents.views.choices import ColorChoice

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
        min=0.1,
        help="Give up after this long.",
        rich_help_panel=CALLS,
    ),
]
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        metavar="N",
        min=0,
        max=5,
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
