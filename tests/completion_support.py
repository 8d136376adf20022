"""Shared by the completion tests: paths, local data, and an app shaped like bsevents will
be (config group, profiles, many option kinds) to check the generator and the engine on
more than today's commands."""

from __future__ import annotations

import os
import shutil
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from tests.script import SCRIPT

TESTS = Path(__file__).parent
PROJECT = TESTS.parent
DATA = TESTS / "data" / "completion"
SHELL_DRIVERS = TESTS / "shells"
COMPLETIONS = PROJECT / "completions"

# In tests/data/completion/index.json, most recent first.
ANA = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
NULL_EMAIL = "0b7e2a52-8a51-4f1e-9d43-5c2a9e1f7d10"
BO = "5f3c9d2e-1b4a-4c6d-8e7f-9a0b1c2d3e4f"
CUSTOMERS = [ANA, NULL_EMAIL, BO]
EVENT_NAMES = ["identify", "pageload", "add_to_cart", "checkout", "purchase"]


def install_local_data(home: Path) -> None:
    """Put the fixture settings file and cache index where bsevents looks for them (the
    `isolated` fixture points the XDG directories into `home`)."""
    config = home / ".config" / "bsevents"
    cache = home / ".cache" / "bsevents"
    config.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "config.toml", config / "config.toml")
    shutil.copy(DATA / "index.json", cache / "index.json")


def script_env(**extra: str) -> dict[str, str]:
    """The environment for a shell or the console script: the test's (isolated) one, with
    the installed `bsevents` first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


class EmptySources:
    """No local data at all."""

    def customers(self) -> list[tuple[str, str | None]]:
        return []

    def profiles(self) -> list[tuple[str, str | None]]:
        return []

    def event_names(self) -> list[str]:
        return []

    def emails(self) -> list[tuple[str, str | None]]:
        return []


class FixedSources:
    """Known local data."""

    def customers(self) -> list[tuple[str, str | None]]:
        return [(ANA, "ana@example.com · 35 events"), (NULL_EMAIL, None), (BO, "bo")]

    def profiles(self) -> list[tuple[str, str | None]]:
        return [("default", None), ("staging", "region eu, in use")]

    def event_names(self) -> list[str]:
        return list(EVENT_NAMES)

    def emails(self) -> list[tuple[str, str | None]]:
        return [("ana@example.com", ANA)]


# --- an app with every kind of parameter the generator must handle ---------------------


class View(str, Enum):
    table = "table"
    timeline = "timeline"
    json = "json"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def make_app() -> typer.Typer:
    """A Typer app like bsevents after the other issues: a `config` group with a nested
    group, profiles everywhere, choices, counts, pairs, paths, hidden things."""
    app = typer.Typer(name="bsevents", context_settings={"help_option_names": ["-h", "--help"]})
    config = typer.Typer(help="Settings and profiles.")
    advanced = typer.Typer(help="Rarely needed.")
    app.add_typer(config, name="config")
    config.add_typer(advanced, name="advanced")

    @app.callback()
    def root(
        profile: Annotated[str | None, typer.Option("--profile", "-p")] = None,
        color: Annotated[Color, typer.Option("--color", case_sensitive=False)] = Color.auto,
        verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
        quiet: Annotated[bool, typer.Option("--quiet/--no-quiet", help="Less.")] = False,
    ) -> None:
        """Root."""

    @app.command("events")
    def events(
        customer: Annotated[str | None, typer.Argument(metavar="CUSTOMER")] = None,
        uuid: Annotated[str | None, typer.Option("--uuid", "-u", metavar="CUSTOMER")] = None,
        view: Annotated[View | None, typer.Option("--view", help="Output format.")] = None,
        kind: Annotated[list[str] | None, typer.Option("--type", "-t", help="Event.")] = None,
        region: Annotated[str | None, typer.Option("--region", metavar="us|eu")] = None,
        mode: Annotated[Literal["fast", "slow"], typer.Option("--mode")] = "fast",
        pair: Annotated[tuple[str, str] | None, typer.Option("--pair")] = None,
        output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
        secret: Annotated[bool, typer.Option("--secret", hidden=True)] = False,
        demo: Annotated[bool, typer.Option("--demo", help="Demo: no key, no call.")] = False,
    ) -> None:
        """Fetch one customer's events."""

    @app.command("tail")
    def tail(words: Annotated[list[str] | None, typer.Argument()] = None) -> None:
        """Any number of words."""

    @app.command("internal", hidden=True)
    def internal(flag: Annotated[bool, typer.Option("--flag")] = False) -> None:
        """Hidden."""

    @config.command("set")
    def config_set(
        name: Annotated[str, typer.Argument(metavar="NAME")],
        value: Annotated[str, typer.Argument(metavar="VALUE")],
        profile: Annotated[str | None, typer.Option("--profile")] = None,
    ) -> None:
        """Set a setting."""

    @config.command("get")
    def config_get(name: Annotated[str, typer.Argument()]) -> None:
        """Show a setting."""

    @config.command("use")
    def config_use(name: Annotated[str, typer.Argument()]) -> None:
        """Choose the default profile."""

    @config.command("set-key")
    def config_set_key(
        key: Annotated[str | None, typer.Argument(metavar="KEY")] = None,
        profile: Annotated[str | None, typer.Option("--profile")] = None,
    ) -> None:
        """Store the API key."""

    @config.command("show")
    def config_show() -> None:
        """Show everything."""

    @advanced.command("reset")
    def advanced_reset(
        yes: Annotated[bool, typer.Option("--yes", "-y")] = False,
    ) -> None:
        """Forget everything."""

    return app


def walk(command: Any, ctx: Any, path: tuple[str, ...] = ()) -> Any:
    """(path, click command, context) for `command` and every command under it."""
    import typer

    from bsevents.cli.framework import is_group

    yield path, command, ctx
    if is_group(command):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            sub_ctx = typer.Context(sub, parent=ctx, info_name=name, **sub.context_settings)
            yield from walk(sub, sub_ctx, (*path, name))


def spec_command(*path: str) -> Any:
    """The committed spec's command at `path` (() for the root)."""
    from bsevents.completion import spec

    node = spec.ROOT
    for name in path:
        node = next(c for c in node.commands if c.name == name)
    return node


def subcommands(*path: str) -> list[tuple[str, str | None]]:
    """(name, short help) of the visible subcommands at `path`, in the spec's order; tests
    use this rather than a fixed list, so that new commands do not break them."""
    return [(c.name, c.help) for c in spec_command(*path).commands if not c.hidden]


def option(path: tuple[str, ...], name: str) -> Any:
    """The committed spec's option `name` of the command at `path`."""
    return next(o for o in spec_command(*path).options if name in o.names)
