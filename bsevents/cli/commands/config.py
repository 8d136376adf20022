"""`bsevents config`: the API key, settings and profiles.

Thin: each command parses its options, calls `bsevents.state.settings` or
`bsevents.state.keys`, and prints the answer (data on stdout, everything else on stderr).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from bsevents.cli.helptext import (
    EVERY_COMMAND,
    KEYRING_VARIABLES,
    SETTINGS_VARIABLES,
    HelpfulCommand,
    HelpfulGroup,
    epilog,
)
from bsevents.cli.options import BaseUrlOption, ProfileOption, RegionOption
from bsevents.errors import KeyringUnavailable, UsageProblem
from bsevents.model.sanitize import clean
from bsevents.views import ui

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])

app = typer.Typer(
    name="config",
    cls=HelpfulGroup,
    help="Store the API key, change settings and switch profiles.",
    epilog=epilog(
        [
            ("Store the API key from a hidden prompt", "bsevents config set-key"),
            ("Use the EU region from now on", "bsevents config set region eu"),
            ("Every setting, and where its value comes from", "bsevents config show"),
        ],
        (
            "BLUESHIFT_API_KEY",
            "BLUESHIFT_EVENT_API_KEY",
            *SETTINGS_VARIABLES,
            *KEYRING_VARIABLES,
            *EVERY_COMMAND,
        ),
    ),
    no_args_is_help=True,
)


# The variables each command reads, besides EVERY_COMMAND's (tests/test_docs.py checks).
_KEYS = ("BSEVENTS_PROFILE", "BLUESHIFT_API_KEY", "BLUESHIFT_EVENT_API_KEY", *KEYRING_VARIABLES)
_PROFILE = ("BSEVENTS_PROFILE",)


def _command(
    name: str, examples: list[tuple[str, str]], reads: tuple[str, ...], **settings: Any
) -> Callable[[CommandFunction], CommandFunction]:
    """`app.command` with headed help, these examples (what it does, command line) and the
    environment variables it `reads`."""
    text = epilog(examples, (*reads, *EVERY_COMMAND))
    return app.command(name, cls=HelpfulCommand, epilog=text, **settings)


_KEY_WAYS = (
    "type or paste it at the hidden prompt of `bsevents config set-key`, or pipe it: "
    'printf %s "$KEY" | bsevents config set-key --stdin'
)


def _profile_to_change(flag: str | None) -> str:
    """The profile a storing command acts on; it need not exist yet (storing creates it)."""
    from bsevents.state import settings

    name, _ = settings.choose_profile(flag, os.environ, settings.load_config(), must_exist=False)
    return name


def _profile_option_text(profile: str) -> str:
    return "" if profile == "default" else f" --profile {profile}"


def _check_key_input(use_stdin: bool, profile: str) -> None:
    if not use_stdin and not sys.stdin.isatty():
        raise UsageProblem(
            "no terminal to ask for the key on: pipe it in with --stdin",
            'printf %s "$KEY" | bsevents config set-key --stdin' + _profile_option_text(profile),
        )


def _read_key(use_stdin: bool, profile: str, label: str = "User API key") -> str:
    if use_stdin:
        return sys.stdin.read()
    import getpass

    try:
        return getpass.getpass(
            f"Blueshift {label} for profile {profile!r} (input hidden): ", stream=sys.stderr
        )
    except EOFError:
        raise UsageProblem("no API key given") from None


# Anything extra on the command line (a key, or a key that starts with "-") lands in
# ctx.args instead of in a Click error message that would print it back.
@_command(
    "set-key",
    [
        ("Store the key from a hidden prompt", "bsevents config set-key"),
        ("Store it from a pipe, for scripts", 'printf %s "$KEY" | bsevents config set-key --stdin'),
        ("A second account's key, in profile staging", "bsevents config set-key --profile staging"),
        ("The Event API key, for bsevents send", "bsevents config set-key --event"),
    ],
    _KEYS,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def set_key(
    ctx: typer.Context,
    use_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the key from standard input, not a prompt.")
    ] = False,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage",
            help="Keep the key in a plain-text file (0600) in the config directory, for "
            "machines with no usable keyring.",
        ),
    ] = False,
    profile: ProfileOption = None,
    event: Annotated[
        bool,
        typer.Option(
            "--event", help="Store the Event API key (for `bsevents send`), not the User key."
        ),
    ] = False,
) -> None:
    """Store the API key in the system keyring: hidden prompt, or --stdin.

    The key is never taken as an argument: it would stay in your shell history and show
    in `ps` for every user of the machine.
    """
    if ctx.args:
        # Never echo the argument: it is probably a real key.
        raise UsageProblem(
            "the key is not taken as an argument: it would stay in your shell history and "
            "show in `ps`",
            _KEY_WAYS,
        )
    from bsevents.state import keys, settings

    kind = keys.EVENT if event else keys.USER
    name = _profile_to_change(profile)
    _check_key_input(use_stdin, name)
    if not insecure_storage:
        keys.check_keyring_usable(name, kind)  # before the key is typed, not after
    label = kind.label
    text = _read_key(use_stdin, name, "Event API key" if event else "User API key")
    stored = keys.store_key(name, text, kind, insecure=insecure_storage, report=ui.terminal())
    if settings.ensure_profile(name):
        ui.note(f"created profile {name!r}")
    for note in stored.notes:
        ui.note(note)
    where = stored.key.origin().removeprefix("the ")
    if stored.key.source == "file":
        ui.warn(
            f"stored the {label} {stored.key.masked()} for profile {name!r} in plain text in "
            f"{stored.key.path}: anyone who can read that file can use the key"
        )
    else:
        ui.note(f"stored the {label} {stored.key.masked()} for profile {name!r} in the {where}")
    if os.environ.get(kind.env, "").strip():
        ui.note(f"{kind.env} is set here, and takes precedence over the stored key")


@_command(
    "delete-key",
    [
        ("Remove the default profile's key", "bsevents config delete-key"),
        ("Remove profile staging's key", "bsevents config delete-key --profile staging"),
        ("Remove the Event API key that send uses", "bsevents config delete-key --event"),
    ],
    _KEYS,
)
def delete_key(
    profile: ProfileOption = None,
    event: Annotated[
        bool, typer.Option("--event", help="Delete the Event API key, not the User key.")
    ] = False,
) -> None:
    """Remove the profile's API key from the keyring (and the plain-text file)."""
    from bsevents.state import keys

    kind = keys.EVENT if event else keys.USER
    name = _profile_to_change(profile)
    deleted = keys.delete_key(name, kind)
    label = kind.label
    if deleted.from_file:
        ui.note(f"deleted the plain-text {label} for profile {name!r} from {deleted.file}")
    if deleted.from_keyring:
        ui.note(f"deleted the {label} for profile {name!r} from the keyring ({deleted.backend})")
    if deleted.keyring_problem:
        raise KeyringUnavailable(
            f"could not remove the key from the keyring: it cannot be used "
            f"({deleted.keyring_problem})",
            "try again once it is unlocked or reachable",
        )
    if not (deleted.from_file or deleted.from_keyring):
        ui.note(f"no stored {label} for profile {name!r}; nothing to delete")
    if os.environ.get(kind.env, "").strip():
        ui.note(f"{kind.env} is still set in this environment")


def _env_overrides(name: str) -> None:
    from bsevents.state import settings

    env = settings.SETTINGS[name].env
    if env and os.environ.get(env, "").strip():
        ui.note(f"{env} is set here, and takes precedence over the settings file")


@_command(
    "set",
    [
        ("Use the EU region", "bsevents config set region eu"),
        ("Keep stored responses for 10 minutes", "bsevents config set cache-ttl 600"),
    ],
    ("BSEVENTS_PROFILE", "BLUESHIFT_REGION", "BSEVENTS_SHARED_URL"),
    context_settings={"ignore_unknown_options": True},
)
def set_setting(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A setting: see `config show`.")],
    value: Annotated[
        str, typer.Argument(metavar="VALUE", help="The new value: see `config show`.")
    ],
    profile: ProfileOption = None,
) -> None:
    """Change a setting in the profile (creating the profile if needed)."""
    from bsevents.state import settings

    if name.strip().lower().replace("_", "-") in ("api-key", "key", "apikey"):
        raise UsageProblem(
            "the API key is not a setting: store it with `config set-key`", _KEY_WAYS
        )
    target = _profile_to_change(profile)
    setting, typed = settings.set_value(target, name, value)
    ui.note(f"profile {target!r}: {setting.name} = {settings.format_value(typed)}")
    _env_overrides(setting.name)


@_command(
    "unset",
    [("Back to the default region", "bsevents config unset region")],
    _PROFILE,
)
def unset_setting(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A setting: see `config show`.")],
    profile: ProfileOption = None,
) -> None:
    """Remove a setting from the profile, so its default applies again."""
    from bsevents.state import settings

    target = _profile_to_change(profile)
    if settings.unset_value(target, name):
        setting = settings.check_setting_name(name)
        default = settings.format_value(setting.default)
        ui.note(f"profile {target!r}: {setting.name} is back to its default ({default})")
    else:
        ui.note(f"profile {target!r} does not set {name}; nothing to change")


@_command(
    "get",
    [
        ("The region commands use", "bsevents config get region"),
        ("The hourly cap of profile staging", "bsevents config get hourly-cap --profile staging"),
    ],
    SETTINGS_VARIABLES,
)
def get_setting(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A setting: see `config show`.")],
    profile: ProfileOption = None,
) -> None:
    """Print a setting's effective value (flag > environment > profile > default)."""
    from bsevents.state import settings

    setting = settings.check_setting_name(name)
    resolved = settings.resolve(profile=profile)
    sys.stdout.write(f"{settings.format_value(resolved.values[setting.name])}\n")
    if resolved.sources[setting.name] == "env":
        ui.note(f"(from {setting.env})")


def _source_text(source: str, what: str, profile: str) -> str:
    from bsevents.state import settings

    if source == "flag":
        return f"from --{what.replace('_', '-')}"
    if source == "env":
        env = {
            "profile": settings.ENV_PROFILE,
            "base_url": settings.ENV_BASE_URL,
        }.get(what) or (settings.SETTINGS[what].env if what in settings.SETTINGS else None)
        return f"from {env}"
    if source == "file":
        if what == "profile":
            return "from default_profile in the settings file"
        return f"from [profiles.{profile}] in the settings file"
    if source == "region":
        return "from the region"
    return "default"


@_command(
    "show",
    [
        ("Every setting and where it comes from", "bsevents config show"),
        ("The same as JSON", "bsevents config show --json"),
    ],
    ("BLUESHIFT_API_KEY", *SETTINGS_VARIABLES, *KEYRING_VARIABLES),
)
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    profile: ProfileOption = None,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Show the effective settings, the API key (masked), and where each one comes from.

    Precedence: command-line flag, environment, the profile's settings, default.
    """
    from bsevents.state import keys as credentials
    from bsevents.state import settings
    from bsevents.state.paths import config_file

    resolved = settings.resolve(profile=profile, region=region, base_url=base_url)
    found = credentials.lookup_key(resolved.profile, report=ui.terminal())
    key = found.key
    if found.keyring_problem and key is None:
        key_text = f"none: the keyring cannot be used ({found.keyring_problem})"
        if as_json:
            ui.warn(f"no API key found: the keyring cannot be used ({found.keyring_problem})")
    elif key is None:
        key_text = "none: store one with `bsevents config set-key`"
    elif key.source == "file":
        key_text = f"{key.masked()}  (from {key.origin()}: not encrypted)"
    else:
        key_text = f"{key.masked()}  (from {key.origin()})"
    if as_json:
        document: dict[str, Any] = {
            "profile": resolved.profile,
            "region": resolved.region,
            "base_url": resolved.base_url,
            "api_key": key.masked() if key else None,
            "api_key_source": key.source if key else None,
        }
        for name, value in resolved.values.items():
            # Text through format_value: a URL's password is never printed.
            shown = settings.format_value(value) if isinstance(value, str) else value
            document.setdefault(name.replace("-", "_"), shown)
        from bsevents.views.jsonout import pretty_json

        sys.stdout.write(pretty_json(document))
        return
    sources = resolved.sources
    rows: list[tuple[str, str]] = [
        ("profile", f"{resolved.profile}  ({_source_text(sources['profile'], 'profile', '')})"),
    ]
    for name, value in resolved.values.items():
        shown = settings.format_value(value) or "not set"  # an empty shared-url
        rows.append((name, f"{shown}  ({_source_text(sources[name], name, resolved.profile)})"))
        if name == "region":
            via = _source_text(sources["base_url"], "base_url", resolved.profile)
            rows.append(("base URL", f"{resolved.base_url}  ({via})"))
            rows.append(("API key", key_text))
    rows.append(("settings", str(config_file())))
    width = max(len(label) for label, _ in rows)
    sys.stdout.write("".join(f"{label:<{width}}  {clean(text)}\n" for label, text in rows))


class PathName(str, Enum):
    settings = "settings"
    key_file = "key-file"
    state = "state"
    cache = "cache"


@_command(
    "path",
    [
        ("Every place bsevents keeps files", "bsevents config path"),
        ("Open the settings file", '"$EDITOR" "$(bsevents config path settings)"'),
    ],
    (),
)
def path(
    which: Annotated[
        PathName | None,
        typer.Argument(
            metavar="WHAT",
            help="Print only this path: settings, key-file, state or cache.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Where bsevents keeps its settings, key file, call ledger and stored responses."""
    from bsevents.state import keys as credentials
    from bsevents.state import paths

    found = {
        PathName.settings: (paths.config_file(), "settings file"),
        PathName.key_file: (credentials.key_file(), "only with set-key --insecure-storage"),
        PathName.state: (paths.state_dir(), "the call ledger"),
        PathName.cache: (paths.cache_dir(), "stored responses"),
    }
    if which is not None:
        sys.stdout.write(f"{found[which][0]}\n")
        return
    width = max(len(name.value) for name in found)
    for name, (where, what) in found.items():
        sys.stdout.write(f"{name.value:<{width}}  {where}  ({what})\n")


@_command(
    "profiles", [("The profiles, * marking the one in use", "bsevents config profiles")], _PROFILE
)
def profiles(profile: ProfileOption = None) -> None:
    """List the profiles; `*` marks the one commands use."""
    from bsevents.state import settings

    config = settings.load_config()
    active, source = settings.choose_profile(profile, os.environ, config, must_exist=False)
    names = config.profiles()
    for name in names:
        sys.stdout.write(f"{'*' if name == active else ' '} {name}\n")
    if active not in names:
        origin = {"flag": "--profile", "env": settings.ENV_PROFILE}.get(source, "default_profile")
        ui.warn(f"{origin} names profile {active!r}, which does not exist")


@_command("use", [("Use profile staging from now on", "bsevents config use staging")], _PROFILE)
def use(
    profile: Annotated[str, typer.Argument(metavar="PROFILE", help="An existing profile.")],
) -> None:
    """Make PROFILE the default (--profile and BSEVENTS_PROFILE still win)."""
    from bsevents.state import settings

    settings.set_default_profile(profile)
    ui.note(f"commands now use profile {profile.strip()!r}")
    if os.environ.get(settings.ENV_PROFILE, "").strip():
        ui.note(f"{settings.ENV_PROFILE} is set here, and takes precedence")
