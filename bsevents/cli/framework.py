"""The one module that reaches past Typer's public API, and what each reach replaces.

Typer's public API builds the app (`typer.Typer`, `typer.Option`, `typer.Context`,
`typer.main.get_command`), but it has no public name for three things bsevents needs:

- the classes `typer.Typer(cls=...)` and `app.command(cls=...)` accept: Typer calls them
  with its own keyword arguments, so they must subclass `typer.core.TyperGroup` and
  `TyperCommand` (plain click classes reject those arguments);
- click's exception classes: Typer vendors click as `typer._click` and re-exports only
  `BadParameter`; the usage errors the parser raises are its base class `UsageError`;
- where a parameter keeps its choices: `param.type.choices` on typer 0.28 (click's Choice),
  `param.type_descriptor.choices` on 0.29 (which validates through pydantic instead).

A new Typer release can break only this file; `.ci/run` runs the suite against the
newest Typer as well as the pinned one, so the day it does is known. Tests reach Typer's
own completion (to compare the fast path with it) through `typer_completions` here too.
"""

from __future__ import annotations

from typing import Any

# Private: click's exceptions have no public name in typer (it re-exports BadParameter
# only; every other parser error is a UsageError or a ClickException).
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

# Private: typer has no public base class for custom groups and commands (see above).
from typer.core import TyperCommand, TyperGroup

__all__ = [
    "ClickException",
    "CommandBase",
    "GroupBase",
    "NoArgsIsHelpError",
    "UsageError",
    "choices",
    "is_group",
    "is_option",
]

GroupBase = TyperGroup
CommandBase = TyperCommand


def is_option(param: Any) -> bool:
    """Whether click parameter `param` is an option (else an argument): click's public
    `param_type_name`, where the code once tested `isinstance(param, TyperOption)`."""
    return bool(param.param_type_name == "option")


def is_group(command: Any) -> bool:
    """Whether click command `command` has subcommands (typer 0.29's TyperGroup is not a
    click Group, so this asks for the behaviour rather than the class)."""
    return callable(getattr(command, "list_commands", None))


def choices(param: Any) -> tuple[tuple[str, ...], bool] | None:
    """(the choices as typed on the command line, case sensitive) of a click parameter
    that takes one of a fixed set of values, else None."""
    kind = getattr(param, "type", None)  # typer 0.28: click's Choice; 0.29 has no .type
    listed = getattr(kind, "choices", None)
    case_sensitive = getattr(kind, "case_sensitive", True)
    if listed is None:  # typer 0.29 keeps them on the parameter's type descriptor
        descriptor = getattr(param, "type_descriptor", None)
        listed = getattr(descriptor, "choices", None)
        case_sensitive = getattr(descriptor, "case_sensitive", True)
    if listed is None:
        return None
    return tuple(_as_typed(choice) for choice in listed), bool(case_sensitive)


def takes_path(param: Any) -> bool:
    """Whether a click parameter's value is a file or directory path (Typer then offers
    the typed text back, for the shell to complete file names)."""
    kind = getattr(param, "type", None)
    if kind is not None:  # typer 0.28: click's Path or File
        return getattr(kind, "name", "") in ("path", "filename")
    descriptor = getattr(param, "type_descriptor", None)
    return bool(getattr(descriptor, "is_path", False) or getattr(descriptor, "is_file", False))


def _as_typed(choice: Any) -> str:
    value = getattr(choice, "value", choice)  # an Enum member is typed as its value
    return str(value)


def typer_completions(cli: Any, args: list[str], incomplete: str) -> tuple[Any, list[Any]]:
    """(the parameter or command being completed, Typer's completion items) for a command
    line: what Typer's own bash completion would offer. For tests, which compare the fast
    path with it; private on every Typer release."""
    from typer._click.shell_completion import _resolve_context, _resolve_incomplete
    from typer._completion_classes import BashComplete

    completer = BashComplete(cli, {}, "bsevents", "_BSEVENTS_COMPLETE")
    ctx = _resolve_context(cli, {}, "bsevents", list(args))
    target, _ = _resolve_incomplete(ctx, list(args), incomplete)
    return target, completer.get_completions(list(args), incomplete)


def typer_completion_scripts() -> dict[str, str]:
    """Typer's own completion script templates (what `--install-completion` wrote before
    bsevents served its own), for the tests that keep those scripts working."""
    from typer import _completion_shared

    return {
        "bash": _completion_shared.COMPLETION_SCRIPT_BASH,
        "zsh": _completion_shared.COMPLETION_SCRIPT_ZSH,
        "fish": _completion_shared.COMPLETION_SCRIPT_FISH,
    }


def click_split(line: str) -> list[str]:
    """How click splits a completion command line into words (for tests, which check that
    `shells.split_words` agrees; click's function lives in the vendored, private module)."""
    from typer._click.shell_completion import split_arg_string

    return list(split_arg_string(line))
