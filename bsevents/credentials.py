"""Where the API key comes from. Every command gets its key through `resolve_api_key`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bsevents.errors import AuthProblem

KEY_ENV = "BLUESHIFT_API_KEY"
KeySource = Literal["env", "keyring", "file"]


@dataclass(frozen=True)
class ApiKey:
    """The key and where it was found. `value` is kept out of repr and str."""

    value: str = field(repr=False)
    source: KeySource

    def __str__(self) -> str:
        return f"<ApiKey from {self.source}: {self.masked()}>"

    def masked(self) -> str:
        """The key shown as its last four characters only."""
        return mask(self.value)


def mask(value: str) -> str:
    """`••••abcd`: enough to tell keys apart, not enough to use one."""
    tail = value[-4:] if len(value) >= 12 else ""
    return f"••••{tail}"


def missing_key_error(profile: str) -> AuthProblem:
    return AuthProblem(
        f"no Blueshift API key for profile {profile!r}",
        f"set {KEY_ENV}, or store one with `bsevents config set-key`",
    )


def resolve_api_key(profile: str, env: Mapping[str, str] | None = None) -> ApiKey:
    """The key for `profile`: the environment first. Raises AuthProblem when there is none."""
    environ = os.environ if env is None else env
    value = environ.get(KEY_ENV, "").strip()
    if value:
        return ApiKey(value, "env")
    raise missing_key_error(profile)
