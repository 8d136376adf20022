"""Settings: what each one is, and the effective values for a command.

Precedence, highest first: command-line flag, environment, the profile's settings,
the default. Each setting is declared once in SETTINGS, with its type, default,
validation and help.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bsevents.errors import UsageProblem
from bsevents.regions import DEFAULT_REGION, REGIONS, check_base_url, check_region

DEFAULT_PROFILE = "default"
ENV_PROFILE = "BSEVENTS_PROFILE"
ENV_REGION = "BLUESHIFT_REGION"
ENV_BASE_URL = "BSEVENTS_BASE_URL"


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise UsageProblem(f"expected a positive whole number, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise UsageProblem(f"expected 0 or a positive whole number, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise UsageProblem(f"expected a whole number, got {text!r}") from None


def _boolean(text: str) -> bool:
    word = str(text).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise UsageProblem(f"expected true or false, got {text!r}")


@dataclass(frozen=True)
class Setting:
    """One setting: its name in the file and on the command line, and how to read it."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    choices: tuple[str, ...] = ()


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("region", DEFAULT_REGION, check_region, "Blueshift region", tuple(REGIONS)),
        Setting("hourly-cap", 10, _positive_int, "show_events calls allowed per hour"),
        Setting("cache-ttl", 300, _non_negative_int, "seconds a fetch is re-used; 0 = off"),
        Setting("pager", False, _boolean, "page long table/timeline output on a terminal"),
    )
}


@dataclass(frozen=True)
class Resolved:
    """The effective settings for one command, and where each value came from."""

    profile: str
    region: str
    base_url: str
    hourly_cap: int
    cache_ttl: int
    sources: Mapping[str, str]
    # Every setting in SETTINGS by name, so a new setting needs no new field here.
    values: Mapping[str, Any]


def resolve(
    *,
    profile: str | None = None,
    region: str | None = None,
    base_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Resolved:
    """Effective settings from flags (the arguments), environment and defaults."""
    environ = os.environ if env is None else env
    sources: dict[str, str] = {}

    def pick(name: str, flag: str | None, env_name: str | None) -> str | None:
        if flag is not None:
            sources[name] = "flag"
            return flag
        if env_name and environ.get(env_name, "").strip():
            sources[name] = "env"
            return environ[env_name]
        return None

    chosen_profile = pick("profile", profile, ENV_PROFILE) or DEFAULT_PROFILE
    sources.setdefault("profile", "default")
    values: dict[str, Any] = {}
    for setting in SETTINGS.values():
        env_name = ENV_REGION if setting.name == "region" else None
        raw = pick(setting.name, region if setting.name == "region" else None, env_name)
        if raw is None:
            values[setting.name] = setting.default
            sources[setting.name] = "default"
        else:
            values[setting.name] = setting.parse(raw)
    raw_base = pick("base_url", base_url, ENV_BASE_URL)
    if raw_base is None:
        resolved_base = REGIONS[values["region"]].api_base
        sources["base_url"] = "region"
    else:
        resolved_base = check_base_url(raw_base)
    return Resolved(
        profile=chosen_profile,
        region=values["region"],
        base_url=resolved_base,
        hourly_cap=values["hourly-cap"],
        cache_ttl=values["cache-ttl"],
        sources=sources,
        values=values,
    )
