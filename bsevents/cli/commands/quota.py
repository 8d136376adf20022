"""`bsevents quota`: the hourly budget of show_events calls, from the local ledger."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bsevents.cli.options import ProfileOption, RegionOption
from bsevents.views import ui


def quota_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the budget as JSON.")] = False,
    profile: ProfileOption = None,
    region: RegionOption = None,
) -> None:
    """Show how many show_events calls are left this hour, and the calls in the window."""
    from bsevents.app import fetch as source
    from bsevents.state import settings
    from bsevents.views.quota import budget_json, budget_lines

    resolved = settings.resolve(profile=profile, region=region)
    report = source.get_quota(resolved, warn=ui.warn, debug=ui.debug)
    if as_json:
        from bsevents.views.jsonout import pretty_json

        sys.stdout.write(pretty_json(budget_json(report)))
    else:
        sys.stdout.write("\n".join(budget_lines(report)) + "\n")
