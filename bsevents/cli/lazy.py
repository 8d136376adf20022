"""Subcommands imported only when they are used: click's documented lazy-loading group.

click lets a group answer `list_commands` and `get_command` however it likes; a group that
names its commands up front and imports a command's module only in `get_command` loads
just the command that runs. `bsevents --help` lists every command from the summaries
registered beside its name, importing none of them; `bsevents events --help` imports only
`events`. Whatever reads the app whole (the completion spec generator, Typer's own
completion) asks `get_command` for each name and so still sees every command and option.

A registered command is a command function (turned into a click command exactly as
`app.command(...)` would) or a `typer.Typer` group (as `app.add_typer(...)` would), built
through Typer's public `typer.Typer` and `typer.main.get_group`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from bsevents.cli.framework import CommandBase, UsageError
from bsevents.cli.helptext import HelpfulCommand, HelpfulGroup


@dataclass(frozen=True)
class LazyCommand:
    """A subcommand known by its summary until it is used.

    `target` is "module:attribute": a command function, or a `typer.Typer` of commands.
    `summary` is the one line the parent's help lists; for a function it is also the
    command's help (a group's help is its own, and a test keeps the two the same).
    """

    target: str
    summary: str
    epilog: str | None = None

    def load(self, name: str, parent: Any) -> Any:
        """The click command, built as Typer builds the commands of group `parent`."""
        import typer
        import typer.main

        module_name, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module_name), attribute)
        # The settings a Typer app hands down to its commands, taken from the parent.
        holder = typer.Typer(
            rich_markup_mode=parent.rich_markup_mode,
            suggest_commands=parent.suggest_commands,
            add_completion=False,
        )
        if isinstance(found, typer.Typer):
            holder.add_typer(found, name=name)
        else:
            holder.command(name, cls=HelpfulCommand, help=self.summary, epilog=self.epilog)(found)
        return typer.main.get_group(holder).commands[name]


class LazyGroup(HelpfulGroup):
    """A group whose `lazy_commands()` are imported one by one, when asked for by name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, Any] = {}

    def lazy_commands(self) -> Mapping[str, LazyCommand]:
        """The subcommands, by name, in the order help lists them."""
        return {}

    def list_commands(self, ctx: Any) -> list[str]:
        eager = list(super().list_commands(ctx))
        return [*eager, *(name for name in self.lazy_commands() if name not in eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        entry = self.lazy_commands().get(cmd_name)
        if entry is None:
            return None
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = entry.load(cmd_name, self)
        return self._loaded[cmd_name]

    def command_for_help(self, ctx: Any, name: str) -> Any:
        """A command not imported yet stands in the group's help as its summary alone."""
        entry = self.lazy_commands().get(name)
        if entry is None or name in self._loaded:
            return self.get_command(ctx, name)
        return CommandBase(name=name, help=entry.summary)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            # Typer suggests from the commands it holds, which the lazy ones are not.
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in error.message:
                suggestions = ", ".join(repr(match) for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise
