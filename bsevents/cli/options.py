"""Options several commands share, declared once so their names and help cannot drift."""

from __future__ import annotations

from typing import Annotated

import typer

from bsevents.cli.helptext import ACCOUNT, FILTERS

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
