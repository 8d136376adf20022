"""What a run imports, read from `sys.modules` of a fresh process (never timed): help and
version load no command they do not show and nothing heavy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer

from bsevents import __version__
from tests.script import run_and_list_imports

HEAVY = ("httpx", "keyring", "redis", "jsonschema_rs", "rich")


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def commands(modules: set[str]) -> list[str]:
    """The command modules (cli/commands/*.py) that were imported."""
    prefix = "bsevents.cli.commands."
    return sorted(m.removeprefix(prefix) for m in modules if m.startswith(prefix))


@pytest.mark.parametrize(
    ("args", "shown", "loaded"),
    [
        (["--help"], "Usage: bsevents [OPTIONS] COMMAND [ARGS]...\n", []),
        (["events", "--help"], "Usage: bsevents events [OPTIONS] [CUSTOMER]\n", ["events"]),
        (["config", "--help"], "Usage: bsevents config [OPTIONS] COMMAND [ARGS]...\n", ["config"]),
        # --version alone is answered before the app loads; after --debug, by the app.
        (["--debug", "--version"], f"bsevents {__version__}\n", []),
        (["events", "--demo", "--json"], "[\n", ["events"]),
    ],
    ids=["help", "events-help", "config-help", "debug-version", "events-demo"],
)
def test_a_run_imports_only_its_own_command_and_nothing_heavy(
    tmp_path: Path, args: list[str], shown: str, loaded: list[str]
) -> None:
    done, modules = run_and_list_imports(args, dict(os.environ), tmp_path / "modules")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(shown)
    assert "bsevents.cli.app" in modules  # the probe saw the app run
    assert (commands(modules), heavy(modules)) == (loaded, [])


def test_root_help_lists_each_command_with_the_summary_of_its_own_help(cli: Any) -> None:
    from bsevents.cli.app import COMMANDS, app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="bsevents")
    assert root.list_commands(ctx) == list(COMMANDS)  # type: ignore[attr-defined]
    listed = cli("--help").stdout.split("Commands:\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in listed] == list(COMMANDS)
    for name, entry in COMMANDS.items():
        command = root.get_command(ctx, name)  # type: ignore[attr-defined]
        assert command.get_short_help_str(200) == entry.summary, name
        row = next(line for line in listed if line.split()[0] == name)
        assert row.strip().removeprefix(name).strip() == command.get_short_help_str(
            74 - len(max(COMMANDS, key=len))
        )
