"""`bsevents quota`: the hourly budget of show_events calls, from the ledger."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bsevents.cli.options import ProfileOption, RegionOption


def quota_command(
    command: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the budget as JSON.")] = False,
    profile: ProfileOption = None,
    region: RegionOption = None,
) -> None:
    """Show how many show_events calls are left this hour, and the calls in the window."""
    from bsevents.app.budget import quota
    from bsevents.cli.asking import context
    from bsevents.views.quota import budget_json, budget_lines

    with context(command, None, profile=profile, region=region, base_url=None) as ctx:
        report = quota(ctx)
    if as_json:
        from bsevents.views.jsonout import pretty_json

        sys.stdout.write(pretty_json(budget_json(report)))
    else:
        sys.stdout.write("\n".join(budget_lines(report)) + "\n")
