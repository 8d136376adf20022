"""Write the completion spec and the shell scripts from the Typer app.

    python -m bsevents.cli.completion_spec          # rewrite what changed
    python -m bsevents.cli.completion_spec --check  # exit 1 if anything is stale

Reads the app as Typer builds it (`typer.main.get_command`): every command and group,
every option (names, flag or value, how many values, repeatable, hidden), every argument,
the choices of Enum and Literal types, and help. It writes `bsevents/completion/spec.py`,
the data the fast path completes from, and `completions/` (bash, zsh, fish). Run it after
adding or changing a command or option; a test fails until you do.

Values Typer knows nothing about come from local data, chosen by the rules below (by
option name, metavar, argument name, or position in a `config` command). Extend them
when a new option takes a customer, a profile, a setting or an event name.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bsevents.completion import model, shells
from bsevents.completion.specfile import COMMAND, PROG, render_spec

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # bsevents/
PROJECT_DIR = PACKAGE_DIR.parent
SPEC_FILE = PACKAGE_DIR / "completion" / "spec.py"

# --- which values complete from local data -------------------------------------------

# An option with one of these names completes from local data.
OPTION_NAMES = {
    "--profile": model.PROFILES,
    "--uuid": model.CUSTOMERS,
    "--customer": model.CUSTOMERS,
    "--type": model.EVENT_NAMES,
    "--event": model.EVENT_NAMES,
    "--email": model.EMAILS,
}
# An option or argument with one of these metavars, or an argument with one of these
# names (lower case), does too.
METAVARS = {
    "PROFILE": model.PROFILES,
    "CUSTOMER": model.CUSTOMERS,
    "EVENT": model.EVENT_NAMES,
    "SETTING": model.SETTINGS,
}
ARGUMENT_NAMES = {
    "profile": model.PROFILES,
    "customer": model.CUSTOMERS,
    "uuid": model.CUSTOMERS,
    "setting": model.SETTINGS,
}
# The arguments of these commands, by position, whatever they are called.
POSITIONS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("config", "use"): (model.PROFILES,),
    ("config", "get"): (model.SETTINGS,),
    ("config", "set"): (model.SETTINGS, model.SETTING_VALUE),
    ("config", "unset"): (model.SETTINGS,),
}
# A metavar listing the values, such as `us|eu`, offers them.
_LISTED = re.compile(r"[\w.-]+(?:\|[\w.-]+)+")


def value_completion(
    path: tuple[str, ...], param: Any, position: int | None
) -> tuple[str, tuple[str, ...], bool]:
    """How the value of click parameter `param` of the command at `path` completes:
    (kind, choices, case sensitive). `position` is an argument's index, None for options."""
    from bsevents.cli.framework import choices

    listed = choices(param)
    if listed is not None:
        return model.CHOICE, *listed
    metavar = param.metavar or ""
    kind = ""
    if position is None:
        kind = next((OPTION_NAMES[n] for n in param.opts if n in OPTION_NAMES), "")
    else:
        by_position = POSITIONS.get(path, ())
        if position < len(by_position):
            kind = by_position[position]
        kind = kind or ARGUMENT_NAMES.get((param.name or "").lower(), "")
    kind = kind or METAVARS.get(metavar.upper(), "")
    if kind:
        return kind, (), True
    if _LISTED.fullmatch(metavar):
        return model.CHOICE, tuple(metavar.split("|")), True
    return "", (), True


# --- reading the app -------------------------------------------------------------------


def build(command: Any, prog: str = PROG) -> model.Command:
    """The spec of click command `command` (what `typer.main.get_command(app)` returns)."""
    import typer

    ctx = typer.Context(command, info_name=prog, **(command.context_settings or {}))
    return _build(command, ctx, ())


def _build(command: Any, ctx: Any, path: tuple[str, ...]) -> model.Command:
    import typer

    from bsevents.cli.framework import is_group, is_option

    if getattr(command, "chain", False):
        raise NotImplementedError(f"{' '.join(path) or PROG}: chained groups are not supported")
    options: list[model.Option] = []
    arguments: list[model.Argument] = []
    help_option = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        if is_option(param):
            option = _option(path, param)
            if param is help_option:
                # click builds the help option's names from a set: their order changes
                # from one process to the next. Keep the order the app declares.
                declared = list(ctx.help_option_names)
                option.names = tuple(sorted(option.names, key=declared.index))
            options.append(option)
        else:
            kind, choices, case_sensitive = value_completion(path, param, len(arguments))
            arguments.append(
                model.Argument(
                    param.name or "",
                    nargs=param.nargs,
                    complete=kind,
                    choices=choices,
                    case_sensitive=case_sensitive,
                )
            )
    commands: list[model.Command] = []
    group = is_group(command)
    if group:
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            sub_ctx = typer.Context(sub, parent=ctx, info_name=name, **(sub.context_settings or {}))
            built = _build(sub, sub_ctx, (*path, name))
            built.help = sub.get_short_help_str() or None
            built.hidden = bool(sub.hidden)
            commands.append(built)
    return model.Command(
        path[-1] if path else ctx.info_name,
        is_group=group,
        options=tuple(options),
        arguments=tuple(arguments),
        commands=tuple(commands),
    )


def _option(path: tuple[str, ...], param: Any) -> model.Option:
    names = (*param.opts, *param.secondary_opts)
    if any(not name.startswith("-") for name in names):
        raise NotImplementedError(f"{names}: only options starting with '-' are supported")
    takes_value = not (param.is_flag or param.count)
    kind, choices, case_sensitive = (
        value_completion(path, param, None) if takes_value else ("", (), True)
    )
    return model.Option(
        tuple(param.opts),
        secondary=tuple(param.secondary_opts),
        help=param.help or None,
        takes_value=takes_value,
        nargs=param.nargs,
        multiple=bool(param.multiple),
        hidden=bool(param.hidden),
        complete=kind,
        choices=choices,
        case_sensitive=case_sensitive,
    )


def app_spec() -> tuple[model.Command, dict[str, tuple[str, tuple[str, ...]]]]:
    """The spec of the bsevents app, and each setting's help and choices."""
    import typer

    from bsevents.cli.app import app
    from bsevents.state.settings import SETTINGS

    settings = {name: (s.help, tuple(s.choices)) for name, s in SETTINGS.items()}
    return build(typer.main.get_command(app)), settings


# --- the files -------------------------------------------------------------------------


def outputs() -> dict[Path, str]:
    """Every generated file and the text it should hold."""
    root, settings = app_spec()
    files = {SPEC_FILE: render_spec(root, settings)}
    for shell in shells.SHELLS:
        name = shells.FILE_NAMES[shell].format(prog=PROG)
        files[PROJECT_DIR / "completions" / name] = shells.render(shell, PROG)
    return files


def stale(files: dict[Path, str]) -> list[Path]:
    """The files whose text on disk differs from `files`."""
    out = []
    for path, text in files.items():
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            out.append(path)
    return out


def describe(command: model.Command, path: tuple[str, ...] = ()) -> Iterable[str]:
    """One line per value that completes from choices or local data (for the log)."""
    where = " ".join((PROG, *path))
    for option in command.options:
        if option.complete:
            yield f"{where} {option.names[0]}: {option.complete} {' '.join(option.choices)}"
    for argument in command.arguments:
        if argument.complete:
            name = argument.name.upper()
            yield f"{where} {name}: {argument.complete} {' '.join(argument.choices)}"
    for sub in command.commands:
        yield from describe(sub, (*path, sub.name))


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) the generated files; the exit status."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    parser.add_argument("-v", "--verbose", action="store_true", help="list what completes how")
    options = parser.parse_args(argv)
    if not (PROJECT_DIR / "pyproject.toml").is_file():
        sys.stderr.write(f"error: {PROJECT_DIR} is not a bsevents source checkout\n")
        return 2
    files = outputs()
    if options.verbose:
        root, _ = app_spec()
        for line in describe(root):
            sys.stdout.write(line.rstrip() + "\n")
    changed = stale(files)
    for path in changed:
        shown = path.relative_to(PROJECT_DIR)
        if options.check:
            sys.stderr.write(f"stale: {shown}\n")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[path], encoding="utf-8")
            sys.stdout.write(f"wrote {shown}\n")
    if options.check and changed:
        sys.stderr.write(f"run: {COMMAND}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
