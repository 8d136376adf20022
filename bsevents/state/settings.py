"""Settings: what each one is, the settings file, and the effective values for a command.

Precedence, highest first: command-line flag, environment, the profile's settings in the
settings file, the default. Each setting is declared once in SETTINGS, with its type,
default, validation and help.

The settings file (`paths.config_file()`) is TOML a person can edit:

    default_profile = "staging"      # written by `bsevents config use`

    [profiles.default]
    region = "us"

    [profiles.staging]
    region = "eu"
    hourly-cap = 5

Keys bsevents does not know are kept; reading and writing the file is
`bsevents.state.config_file`'s job.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bsevents.errors import UsageProblem
from bsevents.model.regions import DEFAULT_REGION, REGIONS, check_base_url, check_region
from bsevents.model.sanitize import mask_url
from bsevents.state.config_file import (
    DEFAULT_PROFILE,
    PROFILE_RE,
    ConfigFile,
    load_config,
    profile_table,
    update_config,
)

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

__all__ = ["DEFAULT_PROFILE", "SETTINGS", "ConfigFile", "Resolved", "Setting", "load_config"]

ENV_PROFILE = "BSEVENTS_PROFILE"
ENV_REGION = "BLUESHIFT_REGION"
ENV_BASE_URL = "BSEVENTS_BASE_URL"
# 128 MB holds 100,000 events of the demo's size (about 1 kB each) with room to spare;
# a body past 4 GB would not fit the memory of most machines once parsed.
DEFAULT_RESPONSE_MB = 128
MAX_RESPONSE_MB = 4096
ENV_SHARED_URL = "BSEVENTS_SHARED_URL"


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise UsageProblem(f"expected a positive whole number, got {_quoted(text)}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise UsageProblem(f"expected 0 or a positive whole number, got {_quoted(text)}")
    return value


def _response_mb(text: str) -> int:
    value = _int(text)
    if not 1 <= value <= MAX_RESPONSE_MB:
        raise UsageProblem(
            f"expected a size in MB from 1 to {MAX_RESPONSE_MB}, got {_quoted(text)}"
        )
    return value


def _int(text: str) -> int:
    written = str(text).strip()  # a TOML integer arrives as an int: str() serves both
    # int() would also take "1_000" and other scripts' digits ("٣"): a person means ASCII.
    if not re.fullmatch(r"[+-]?[0-9]{1,18}", written):
        raise UsageProblem(f"expected a whole number, got {_quoted(text)}")
    return int(written)


def _seconds_or_never(text: str) -> int | str:
    """`refresh-on-miss`: seconds, or `never`."""
    if str(text).strip().lower() == "never":
        return "never"
    try:
        return _non_negative_int(text)
    except UsageProblem:
        raise UsageProblem(f"expected seconds or never, got {_quoted(text)}") from None


def format_value(value: Any) -> str:
    """A setting's value as a person writes it (and as TOML spells booleans), with the
    password of a URL masked: the value is shown, never the secret in it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Whatever could hold user info: a URL, or one pasted into the wrong setting.
    return mask_url(text) if "@" in text or "password=" in text.lower() else text


def _quoted(text: str) -> str:
    """A value as a message quotes it: masked like format_value, then repr'd."""
    return repr(format_value(text))


def _shared_url(text: str) -> str:
    from bsevents.state.redis_store import check_shared_url  # only when the setting is used

    return check_shared_url(text)


def _boolean(text: str) -> bool:
    word = str(text).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise UsageProblem(f"expected true or false, got {_quoted(text)}")


@dataclass(frozen=True)
class Setting:
    """One setting: its name in the file and on the command line, and how to read it.

    `parse` turns text (from the command line, the environment or the file) into the typed
    value, or raises UsageProblem; the typed value is what the file stores. `env` names the
    environment variable that overrides the file, if any.
    """

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    choices: tuple[str, ...] = ()
    env: str | None = None


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "region", DEFAULT_REGION, check_region, "Blueshift region", (*REGIONS,), ENV_REGION
        ),
        Setting("hourly-cap", 10, _positive_int, "show_events calls allowed per hour"),
        Setting("cache-ttl", 300, _non_negative_int, "seconds a fetch is re-used; 0 = off"),
        Setting(
            "max-response-mb",
            DEFAULT_RESPONSE_MB,
            _response_mb,
            "largest answer read, as sent and as decompressed, in MB",
        ),
        Setting(
            "pager",
            False,
            _boolean,
            "page long table/timeline output on a terminal",
            ("true", "false"),
        ),
        Setting(
            "refresh-on-miss",
            30,
            _seconds_or_never,
            "seconds old a stored copy must be for a miss in it to call live; never = off",
        ),
        Setting(
            "shared-url",
            "",
            _shared_url,
            "a team's Redis for one shared ledger and cache (redis://, rediss://, unix://)",
            env=ENV_SHARED_URL,
        ),
    )
}


@dataclass(frozen=True)
class Resolved:
    """The effective settings for one command, and where each value came from.

    `sources` maps "profile", "base_url" and every setting name to one of "flag", "env",
    "file", "default" (and "region" for a base URL derived from the region, "url" for a
    region taken from a dashboard URL).
    """

    profile: str
    region: str
    base_url: str
    hourly_cap: int
    cache_ttl: int
    sources: Mapping[str, str]
    # Every setting in SETTINGS by name, so a new setting needs no new field here.
    values: Mapping[str, Any]
    # The region the flag, environment or profile chose, before a dashboard URL's region
    # (sources["region"] == "url") replaced it.
    profile_region: str = DEFAULT_REGION


def check_setting_name(name: str) -> Setting:
    """The declared setting called `name`, or UsageProblem listing the known ones."""
    wanted = name.strip().lower().replace("_", "-")
    setting = SETTINGS.get(wanted)
    if setting is None:
        import difflib

        close = difflib.get_close_matches(wanted, list(SETTINGS), n=1, cutoff=0.6)
        if close:
            raise UsageProblem(
                f"unknown setting {name!r} (did you mean {close[0]!r}?)",
                f"expected one of {', '.join(SETTINGS)}",
            )
        raise UsageProblem(
            f"unknown setting {name!r}: expected one of {', '.join(SETTINGS)}",
            "see `bsevents config show` for every setting and its value",
        )
    return setting


def check_profile_name(name: str) -> str:
    """`name` if it can name a profile, else UsageProblem."""
    cleaned = name.strip()
    if not PROFILE_RE.match(cleaned):
        raise UsageProblem(
            f"{name!r} cannot name a profile",
            "use letters, digits, '-', '_' and '.', starting with a letter or digit "
            "(at most 64 characters)",
        )
    return cleaned


# --- the settings file -------------------------------------------------------------


def _file_value(config: ConfigFile, profile: str, setting: Setting, raw: Any) -> Any:
    """A setting's value from the file, checked like one from the command line."""
    if isinstance(setting.default, bool) and isinstance(raw, bool):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        if isinstance(setting.default, bool):
            expected = "true or false"
        else:
            expected = "text" if isinstance(setting.default, str) else "a number"
        problem = f"expected {expected}, got {format_value(raw)}"
    else:
        try:
            return setting.parse(str(raw))
        except UsageProblem as error:
            problem = error.message
    line = config.line_of(profile, setting.name)
    where = f"{config.path}, line {line}" if line else str(config.path)
    raise UsageProblem(
        f"{where}: [profiles.{profile}] {setting.name}: {problem}",
        f"fix it with `bsevents config set --profile {profile} {setting.name} VALUE`, "
        "or edit the file",
    )


def choose_profile(
    flag: str | None, environ: Mapping[str, str], config: ConfigFile, *, must_exist: bool = True
) -> tuple[str, str]:
    """(profile, source): the flag, else BSEVENTS_PROFILE, else the file's default_profile,
    else `default`. With `must_exist` (commands that read) it must exist; `default` always
    does. Commands that store something create it instead."""
    if flag is not None:
        name, source = flag, "flag"
    elif environ.get(ENV_PROFILE, "").strip():
        name, source = environ[ENV_PROFILE], "env"
    elif config.default_profile:
        name, source = config.default_profile, "file"
    else:
        return DEFAULT_PROFILE, "default"
    name = check_profile_name(name)
    if must_exist and not config.has_profile(name):
        origin = {
            "flag": "--profile",
            "env": ENV_PROFILE,
            "file": f"default_profile in {config.path}",
        }[source]
        raise UsageProblem(
            f"no profile {name!r} (from {origin}): known profiles are "
            f"{', '.join(config.profiles())}",
            f"create it with `bsevents config set --profile {name} region us|eu` "
            f"or `bsevents config set-key --profile {name}`",
        )
    return name, source


def resolve(
    *,
    profile: str | None = None,
    region: str | None = None,
    base_url: str | None = None,
    url_region: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Resolved:
    """Effective settings from flags (the arguments), environment, the profile's settings
    in the settings file, and defaults. `url_region` is the region of the dashboard a
    customer's URL came from: it decides the region (ledger, stored copies, dashboard
    link, and the API host unless a base URL is given), as --region would; a --region
    that contradicts it is a usage error."""
    environ = os.environ if env is None else env
    config = load_config()
    chosen_profile, profile_source = choose_profile(profile, environ, config)
    table = config.profile_table(chosen_profile)
    sources: dict[str, str] = {"profile": profile_source}
    values: dict[str, Any] = {}
    flags = {"region": region}
    for setting in SETTINGS.values():
        flag = flags.get(setting.name)
        env_value = environ.get(setting.env, "") if setting.env else ""
        if flag is not None:
            values[setting.name], sources[setting.name] = setting.parse(flag), "flag"
        elif env_value.strip():
            values[setting.name], sources[setting.name] = setting.parse(env_value), "env"
        elif setting.name in table:
            value = _file_value(config, chosen_profile, setting, table[setting.name])
            values[setting.name], sources[setting.name] = value, "file"
        else:
            values[setting.name], sources[setting.name] = setting.default, "default"
    profile_region = values["region"]
    if url_region is not None and url_region != values["region"]:
        if sources["region"] == "flag":
            host = REGIONS[url_region].app_host
            raise UsageProblem(
                f"--region {values['region']} contradicts the URL, which is from the "
                f"{url_region} dashboard ({host})",
                f"drop --region, or give --region {url_region}",
            )
        values["region"], sources["region"] = url_region, "url"
    if base_url is not None:
        resolved_base, sources["base_url"] = check_base_url(base_url), "flag"
    elif environ.get(ENV_BASE_URL, "").strip():
        resolved_base, sources["base_url"] = check_base_url(environ[ENV_BASE_URL]), "env"
    else:
        resolved_base, sources["base_url"] = REGIONS[values["region"]].api_base, "region"
    return Resolved(
        profile=chosen_profile,
        region=values["region"],
        base_url=resolved_base,
        hourly_cap=values["hourly-cap"],
        cache_ttl=values["cache-ttl"],
        sources=sources,
        values=values,
        profile_region=profile_region,
    )


# --- changing the settings file ------------------------------------------------------


def set_value(profile: str, name: str, text: str) -> tuple[Setting, Any]:
    """Check `text` for the setting and store it in the profile: (setting, typed value)."""
    profile = check_profile_name(profile)
    setting = check_setting_name(name)
    value = setting.parse(text)

    def change(document: TOMLDocument) -> None:
        table = profile_table(document, profile, create={setting.name: value})
        assert table is not None
        table[setting.name] = value

    update_config(change)
    return setting, value


def unset_value(profile: str, name: str) -> bool:
    """Remove the setting from the profile; False when it was not set there."""
    profile = check_profile_name(profile)
    setting = check_setting_name(name)
    if setting.name not in load_config().profile_table(profile):
        return False  # nothing to remove: no lock taken, no folder created

    def change(document: TOMLDocument) -> bool:
        table = profile_table(document, profile)
        if table is None or setting.name not in table:
            return False
        del table[setting.name]
        return True

    return update_config(change)


def ensure_profile(profile: str) -> bool:
    """Give the profile a table in the file, so that it exists and is listed; True if
    this created it. `default` always exists and needs none."""
    profile = check_profile_name(profile)
    if load_config().has_profile(profile):
        return False  # the common case costs no lock and no tomlkit

    def change(document: TOMLDocument) -> bool:
        if profile_table(document, profile) is not None:
            return False  # another process created it meanwhile
        profile_table(document, profile, create={})
        return True

    return update_config(change)


def set_default_profile(profile: str) -> None:
    """Record `profile` (which must exist) as the one commands use by default."""
    profile = check_profile_name(profile)
    config = load_config()
    if not config.has_profile(profile):
        raise UsageProblem(
            f"no profile {profile!r}: known profiles are {', '.join(config.profiles())}",
            f"create it first: `bsevents config set --profile {profile} region us|eu` "
            f"or `bsevents config set-key --profile {profile}`",
        )

    def change(document: TOMLDocument) -> None:
        document["default_profile"] = profile

    update_config(change)
