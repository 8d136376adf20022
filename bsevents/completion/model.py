"""The shapes of the completion spec: commands, options and arguments as plain objects.

Imports nothing, so the fast path can load the spec in well under a millisecond.
"""

from __future__ import annotations

# How a value completes. "" offers nothing (the shell then completes file names).
CHOICE = "choice"  # the fixed `choices`
CUSTOMERS = "customers"  # customers fetched before, most recent first
PROFILES = "profiles"  # profiles in the settings file, and `default`
SETTINGS = "settings"  # setting names
SETTING_VALUE = "setting-value"  # the choices of the setting named by the argument before
EVENT_NAMES = "event-names"  # event names seen in stored responses
EMAILS = "emails"  # email addresses looked up before (--email), with their customer
KINDS = ("", CHOICE, CUSTOMERS, PROFILES, SETTINGS, SETTING_VALUE, EVENT_NAMES, EMAILS)


class Option:
    """An option: its names, whether it takes a value and how that value completes."""

    __slots__ = (
        "case_sensitive",
        "choices",
        "complete",
        "help",
        "hidden",
        "multiple",
        "names",
        "nargs",
        "secondary",
        "takes_value",
    )

    def __init__(
        self,
        names: tuple[str, ...],
        *,
        secondary: tuple[str, ...] = (),
        help: str | None = None,
        takes_value: bool = False,
        nargs: int = 1,
        multiple: bool = False,
        hidden: bool = False,
        complete: str = "",
        choices: tuple[str, ...] = (),
        case_sensitive: bool = True,
    ) -> None:
        self.names = names
        self.secondary = secondary
        self.help = help
        self.takes_value = takes_value
        self.nargs = nargs
        self.multiple = multiple
        self.hidden = hidden
        self.complete = complete
        self.choices = choices
        self.case_sensitive = case_sensitive


class Argument:
    """A positional argument and how its value completes (nargs -1: any number)."""

    __slots__ = ("case_sensitive", "choices", "complete", "name", "nargs")

    def __init__(
        self,
        name: str,
        *,
        nargs: int = 1,
        complete: str = "",
        choices: tuple[str, ...] = (),
        case_sensitive: bool = True,
    ) -> None:
        self.name = name
        self.nargs = nargs
        self.complete = complete
        self.choices = choices
        self.case_sensitive = case_sensitive


class Command:
    """A command or a group of commands. `help` is the short help shown next to its name."""

    __slots__ = ("arguments", "commands", "help", "hidden", "is_group", "name", "options")

    def __init__(
        self,
        name: str,
        *,
        help: str | None = None,
        hidden: bool = False,
        is_group: bool = False,
        options: tuple[Option, ...] = (),
        arguments: tuple[Argument, ...] = (),
        commands: tuple[Command, ...] = (),
    ) -> None:
        self.name = name
        self.help = help
        self.hidden = hidden
        self.is_group = is_group
        self.options = options
        self.arguments = arguments
        self.commands = commands
