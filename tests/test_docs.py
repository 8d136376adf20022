"""The README's option tables of `events` (Usage and Filters) name exactly its options."""

from __future__ import annotations

import re

import typer
import typer.main

from bsevents.cli.app import app
from tests.readme import readme_table


def documented_options() -> set[str]:
    names: set[str] = set()
    for heading in ("## Usage", "## Filters"):
        for row in readme_table(heading):
            for code in re.findall(r"`([^`]*)`", row[0]):
                names |= set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", code))
    return names


def real_options() -> set[str]:
    cli = typer.main.get_command(app)
    command = cli.get_command(typer.Context(cli), "events")  # type: ignore[attr-defined]
    names = {
        name
        for param in command.params
        if param.param_type_name == "option"
        for name in (*param.opts, *param.secondary_opts)
    }
    return names - {"-h", "--help"}


def test_the_readme_lists_every_option_of_events_and_no_other() -> None:
    documented, real = documented_options(), real_options()
    assert (sorted(real - documented), sorted(documented - real)) == ([], [])
