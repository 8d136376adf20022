"""Help people can scan: options under headings, then examples and environment variables.

Rich help is off for speed (`rich_markup_mode=None`), so this draws click's plain help with
click's public tools (`HelpFormatter.section`, `write_dl`, `write`):

- an option's heading is its `rich_help_panel=` (the panels below, or a new name), else
  `Options`; headings come in the order of `HEADINGS`, new names before `Options`;
- every argument and option shows its own help, its metavar or choices, and a default
  worth knowing, never framework wording such as `x>=0.1`;
- the command's `epilog=` (made by `epilog()`: examples, then environment variables) is
  printed as written, after the options.

A new command passes `cls=HelpfulCommand` and `epilog=epilog(...)` to `app.command`; a
new group of commands `cls=HelpfulGroup` and `epilog=` to `typer.Typer`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from bsevents.cli.framework import CommandBase, GroupBase, UsageError, is_option

# Headings (rich_help_panel names) for options, in the order help lists them.
CUSTOMER = "Customer and source"
CALLS = "Calls and budget"
ACCOUNT = "Profile and region"
FILTERS = "Filters"  # = bsevents.views.events.FILTER_PANEL
VIEW = "View"  # = bsevents.views.events.VIEW_PANEL
OPTIONS = "Options"
HEADINGS = (CUSTOMER, CALLS, ACCOUNT, FILTERS, VIEW, OPTIONS)

# The environment variables bsevents reads, as help lists them, in this order; a command's
# help lists those it reads (tests/test_docs.py runs each command and checks).
ENVIRONMENT = {
    "BLUESHIFT_API_KEY": "the API key (used instead of the keyring)",
    "BLUESHIFT_EVENT_API_KEY": "the Event API key for send (used instead of the keyring)",
    "BLUESHIFT_REGION": "us or eu, like --region",
    "BSEVENTS_PROFILE": "the profile to use, like --profile",
    "BSEVENTS_BASE_URL": "another API base URL, like --base-url",
    "BSEVENTS_SHARED_URL": "a team's Redis for the budget, like the shared-url setting",
    "BSEVENTS_DEBUG": "1: tracebacks and request logs, like --debug",
    "BSEVENTS_KEYRING_TIMEOUT": "seconds to wait for the keyring (default 3)",
    "PYTHON_KEYRING_BACKEND": "the keyring backend to use (keyring's own variable)",
    "NO_COLOR": "set: no colour unless --color always",
    "PAGER": "the pager for long tables (default: less -FRX)",
    "_BSEVENTS_COMPLETE": "source_bash, source_zsh or source_fish: print that completion script",
}
# Variables that go together: read by every command (to report an error), by resolving the
# settings, and by asking the keyring.
EVERY_COMMAND = ("BSEVENTS_DEBUG", "NO_COLOR")
SETTINGS_VARIABLES = (
    "BSEVENTS_PROFILE",
    "BLUESHIFT_REGION",
    "BSEVENTS_BASE_URL",
    "BSEVENTS_SHARED_URL",
)
KEYRING_VARIABLES = ("BSEVENTS_KEYRING_TIMEOUT", "PYTHON_KEYRING_BACKEND")


def epilog(examples: Sequence[tuple[str, str]], environment: Iterable[str] = ()) -> str:
    """The text after a command's options: `examples` as (what it does, command line), then
    the named variables of `ENVIRONMENT`, in its order. Pass it as `epilog=` with
    `cls=HelpfulCommand`."""
    lines = ["Examples:"]
    for what, command in examples:
        lines += [f"  # {what}", f"  {command}"]
    given = set(environment)
    names = [name for name in ENVIRONMENT if name in given]
    assert len(names) == len(given), given - set(ENVIRONMENT)  # every name has a line
    if names:
        width = max(len(name) for name in names) + 2
        lines += ["", "Environment:"]
        lines += [f"  {name.ljust(width)}{ENVIRONMENT[name]}" for name in names]
    return "\n".join(lines) + "\n"


class ScannableHelp:
    """Mixin for click commands and groups: headed options and a verbatim epilog."""

    epilog: str | None

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = [p for p in self.get_params(ctx) if not getattr(p, "hidden", False)]  # type: ignore[attr-defined]
        arguments = [_argument_row(p) for p in params if not is_option(p)]
        sections = [("Arguments", arguments)] if arguments else []
        sections += grouped(params, ctx)
        # One column width for every section, so the descriptions line up down the page.
        width = min(max((len(term) for _, rows in sections for term, _ in rows), default=0), 24)
        for heading, rows in sections:
            with formatter.section(heading):
                formatter.write_dl([(term.ljust(width), text) for term, text in rows])
        format_commands = getattr(self, "format_commands", None)
        if format_commands is not None:
            format_commands(ctx, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return list(super().parse_args(ctx, args))  # type: ignore[misc]
        except UsageError as error:
            # Some parser errors carry no context: give them this command's, so the hint
            # names this command's --help rather than the program's.
            error.ctx = error.ctx or ctx
            raise

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """The usage line's words: arguments as help lists them, `[NAME]` when optional
        (Typer's own reads `{NAME}`, or `[which]:<a|b>` for a choice)."""
        pieces = [self.options_metavar] if self.options_metavar else []  # type: ignore[attr-defined]
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if not is_option(param):
                name = _argument_row(param)[0] + ("..." if param.nargs == -1 else "")
                pieces.append(name if param.required else f"[{name}]")
        subcommands = getattr(self, "subcommand_metavar", None)
        return [*pieces, subcommands] if subcommands else pieces

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        if self.epilog:
            formatter.write_paragraph()
            formatter.write(self.epilog)


class HelpfulCommand(ScannableHelp, CommandBase):
    """A command whose help has headings, examples and environment variables."""


def grouped(params: Iterable[Any], ctx: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The options of `params` as (heading, rows), headings in help order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for param in params:
        if is_option(param):
            heading = getattr(param, "rich_help_panel", None) or OPTIONS
            groups.setdefault(heading, []).append(_option_row(param, ctx))
    known = [h for h in HEADINGS if h in groups and h != OPTIONS]
    new = [h for h in groups if h not in HEADINGS]
    last = [OPTIONS] if OPTIONS in groups else []
    return [(h, groups[h]) for h in (*known, *new, *last)]


def _argument_row(param: Any) -> tuple[str, str]:
    return (param.metavar or (param.name or "").upper(), getattr(param, "help", None) or "")


def _option_row(param: Any, ctx: Any) -> tuple[str, str]:
    names = sorted(param.opts, key=lambda name: len(name) - len(name.lstrip("-")))
    shown = ", ".join(names)
    if param.secondary_opts:
        shown += " / " + ", ".join(param.secondary_opts)
    if not (param.is_flag or param.count):
        shown += " " + _metavar(param, ctx)
    help = getattr(param, "help", None) or ""
    default = _default(param)
    if default:
        help = f"{help} (default: {default})" if help else f"(default: {default})"
    return shown, help


def _metavar(param: Any, ctx: Any) -> str:
    from bsevents.cli.framework import choices

    if param.metavar:
        return str(param.metavar)
    listed = choices(param)
    if listed is not None:
        return "|".join(listed[0])
    return (param.name or "value").upper()


def _default(param: Any) -> str:
    """The default worth showing: a value an option takes when not given; not flags'
    False, not None, not defaults the help text already explains (show_default=False)."""
    if param.is_flag or param.count or param.show_default is False:
        return ""
    value = param.default
    if value is None or value in ((), []) or callable(value):
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class HelpfulGroup(ScannableHelp, GroupBase):
    """A group whose help has headings, its commands, examples and environment variables."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with its summary in full, wrapped under itself when long: click
        cuts a summary with `...` to fit one line of at most 80 columns."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.command_for_help(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def command_for_help(self, ctx: Any, name: str) -> Any:
        """The command `name` as far as the group's help needs it (its summary)."""
        return self.get_command(ctx, name)
