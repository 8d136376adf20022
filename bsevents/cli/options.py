"""Options several commands share, declared once so their names and help cannot drift."""

from __future__ import annotations

from typing import Annotated

import typer

from bsevents.cli.helptext import ACCOUNT

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
