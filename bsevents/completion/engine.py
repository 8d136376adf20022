"""What a command line asks to complete, and the candidates: click's rules over the spec.

Given the words before the cursor and the word being typed, find the command they reach,
then what the typed word is: an option name, an option's value, an argument, or a
subcommand. The rules follow click's own shell completion (`click.shell_completion`,
which Typer vendors) so that the fast path offers what
Typer would, with four deliberate differences, each tested:
- unknown options and malformed words do not abort the parse;
- `-vp <TAB>` (short options run together) completes the value of `-p`;
- `--option=partial` completes to `--option=value`, which zsh and fish need to replace
  the whole word (click offers the bare value);
- values come from local data where Typer has none (customers, profiles, settings, event
  names, and `a|b` metavars), see `model`.
"""

from __future__ import annotations

from bsevents.completion import model
from bsevents.completion.model import Argument, Command, Option

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Protocol

    # A candidate and its description (None: no description).
    Item = tuple[str, str | None]

    class Sources(Protocol):
        """Where dynamic values come from (local files, in `local`)."""

        def customers(self) -> list[Item]: ...
        def profiles(self) -> list[Item]: ...
        def event_names(self) -> list[str]: ...
        def emails(self) -> list[Item]: ...


def complete(
    root: Command,
    args: Sequence[str],
    incomplete: str,
    sources: Sources,
    settings: Mapping[str, tuple[str, tuple[str, ...]]],
) -> list[Item]:
    """The candidates for `incomplete`, the word being typed after `args` (the words
    between the program name and it), in the order to show them."""
    args = list(args)
    command, used, positionals, unfinished = _resolve(root, args)
    prefix = ""
    # Shells differ on `--opt=value`: bash splits it into three words and may hand us
    # the "=" alone, zsh and fish keep one word. Click's rule: split and drop the "=".
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and _starts_option(incomplete):
        name, _, incomplete = incomplete.partition("=")
        args.append(name)
        prefix = name + "="
    # "--" ends the options: after it, "-x" is a value, not an option name.
    if "--" not in args and _starts_option(incomplete):
        return _names(command, used, incomplete)
    # click's rule, and ours for run-together short options (`-vp <TAB>`: -p's value).
    option = _pending_option(command, args) or (None if prefix else unfinished)
    if option is not None:
        values = _values(option, incomplete, command, positionals, sources, settings)
        return [(prefix + value, help) for value, help in values]
    argument = _pending_argument(command, positionals)
    if argument is not None:
        return _values(argument, incomplete, command, positionals, sources, settings)
    return _names(command, used, incomplete)


def _starts_option(word: str) -> bool:
    return word[:1] == "-"


def _find(command: Command, name: str) -> Option | None:
    for option in command.options:
        if name in option.names or name in option.secondary:
            return option
    return None


def _resolve(
    root: Command, args: list[str]
) -> tuple[Command, list[Option], list[str], Option | None]:
    """The command the words reach, the options given to it, its positional words, and
    the option still waiting for values when the words ran out (if any)."""
    command = root
    words = args
    while True:
        used, positionals, rest, unfinished = _parse(command, words)
        if not rest:
            return command, used, positionals, unfinished
        sub = next((c for c in command.commands if c.name == rest[0]), None)
        if sub is None:
            # click stops at the group too; it then offers the group's subcommands.
            return command, used, positionals, None
        command, words = sub, rest[1:]


def _parse(
    command: Command, words: list[str]
) -> tuple[list[Option], list[str], list[str], Option | None]:
    """Like click's parser: options (with their values) and positionals. A group stops at
    its first positional, the subcommand, and returns it with what follows as `rest`."""
    used: list[Option] = []
    positionals: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            if command.is_group:
                return used, positionals, words[index:], None
            positionals.extend(words[index:])
            break
        if _starts_option(word) and len(word) > 1:
            index, waiting = _consume_option(command, word, index, used)
            if index > len(words):
                return used, positionals, [], waiting
        elif command.is_group:
            return used, positionals, words[index - 1 :], None
        else:
            positionals.append(word)
    return used, positionals, [], None


def _consume_option(
    command: Command, word: str, index: int, used: list[Option]
) -> tuple[int, Option | None]:
    """Record the option(s) in `word`: (the index of the first word after their values,
    the option that takes those values)."""
    name, equals, _ = word.partition("=")
    option = _find(command, name)
    if option is not None:
        used.append(option)
        if option.takes_value and not equals:
            return index + option.nargs, option
        return index, None
    if word[:2] != "--":
        # Short options run together, click style: -Vu CUSTOMER, -uCUSTOMER.
        for position in range(1, len(word)):
            short = _find(command, "-" + word[position])
            if short is None:
                break
            used.append(short)
            if short.takes_value:
                if position + 1 < len(word):
                    return index, None
                return index + short.nargs, short
    # An unknown option: click gives up on the line; we read on as if it were a flag.
    return index, None


def _pending_option(command: Command, args: list[str]) -> Option | None:
    """The option whose value is being typed: click looks back at most `nargs` words for
    the last option name."""
    for option in command.options:
        if not option.takes_value:
            continue
        for back, word in enumerate(reversed(args)):
            if back + 1 > option.nargs:
                break
            if _starts_option(word):
                if word in option.names:
                    return option
                break
    return None


def _pending_argument(command: Command, positionals: list[str]) -> Argument | None:
    """The first argument still missing values (one taking any number always is)."""
    remaining = len(positionals)
    for argument in command.arguments:
        if argument.nargs < 0 or remaining < argument.nargs:
            return argument
        remaining -= argument.nargs
    return None


def _names(command: Command, used: list[Option], incomplete: str) -> list[Item]:
    """Subcommands, then (when the word starts like an option) option names."""
    items: list[Item] = [
        (sub.name, sub.help)
        for sub in command.commands
        if not sub.hidden and sub.name.startswith(incomplete)
    ]
    if incomplete and not incomplete[0].isalnum():
        for option in command.options:
            if option.hidden or (option in used and not option.multiple):
                continue
            items.extend(
                (name, option.help)
                for name in (*option.names, *option.secondary)
                if name.startswith(incomplete)
            )
    return items


def _values(
    param: Option | Argument,
    incomplete: str,
    command: Command,
    positionals: list[str],
    sources: Sources,
    settings: Mapping[str, tuple[str, tuple[str, ...]]],
) -> list[Item]:
    kind = param.complete
    if kind == model.CHOICE:
        return _choices(param.choices, incomplete, param.case_sensitive)
    if kind == model.CUSTOMERS:
        lowered = incomplete.lower()
        return [item for item in sources.customers() if item[0].startswith(lowered)]
    if kind == model.PROFILES:
        return [item for item in sources.profiles() if item[0].startswith(incomplete)]
    if kind == model.SETTINGS:
        lowered = incomplete.lower()
        return [(name, help) for name, (help, _) in settings.items() if name.startswith(lowered)]
    if kind == model.SETTING_VALUE:
        name = _setting_named(command, positionals)
        choices = settings[name][1] if name in settings else ()
        return _choices(choices, incomplete, case_sensitive=False)
    if kind == model.EMAILS:
        lowered = incomplete.lower()
        return [item for item in sources.emails() if item[0].lower().startswith(lowered)]
    if kind == model.EVENT_NAMES:
        lowered = incomplete.lower()
        return [(name, None) for name in sources.event_names() if name.lower().startswith(lowered)]
    return []


def _choices(choices: tuple[str, ...], incomplete: str, case_sensitive: bool) -> list[Item]:
    if case_sensitive:
        return [(choice, None) for choice in choices if choice.startswith(incomplete)]
    lowered = incomplete.lower()
    return [(choice, None) for choice in choices if choice.lower().startswith(lowered)]


def _setting_named(command: Command, positionals: list[str]) -> str:
    """The setting name given to `command` (e.g. `region` in `config set region <TAB>`),
    in the canonical form `bsevents.state.settings` accepts."""
    position = 0
    for argument in command.arguments:
        if argument.complete == model.SETTINGS:
            if position < len(positionals):
                return positionals[position].strip().lower().replace("_", "-")
            return ""
        position += max(argument.nargs, 1)
    return ""
