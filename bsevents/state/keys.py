"""Where the API key comes from and where it is kept. Every command gets its key through
`resolve_api_key`.

Order: the environment (`BLUESHIFT_API_KEY`, which never touches the keyring, so a CI
runner without one pays nothing), then the system keyring (service `bsevents`, user name =
profile; see `keyring_access`, which bounds every call with a timeout), then the
plain-text key file written by `config set-key --insecure-storage`.

A keyring that cannot be used is reported as KeyringUnavailable ("the keyring cannot be
used", exit 3), never confused with a key that Blueshift rejected (KeyRejected).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bsevents.errors import AuthProblem, KeyringUnavailable, UsageProblem
from bsevents.model.report import Notify, ignore
from bsevents.state.keyring_access import (
    TIMEOUT_ENV,
    KeyringUnusable,
    keyring_delete,
    keyring_get,
    keyring_set,
)

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

KEY_ENV = "BLUESHIFT_API_KEY"
KEY_FILE_NAME = "credentials.toml"
KeySource = Literal["env", "keyring", "file"]

_WAYS_OUT = (
    f"set {KEY_ENV} in the environment instead, or keep the key in a plain-text file "
    "with `bsevents config set-key --insecure-storage`"
)
_KEY_FILE_HEADER = (
    "# Blueshift API keys kept in PLAIN TEXT by `bsevents config set-key --insecure-storage`,\n"
    "# because no system keyring could be used. Anyone who can read this file can use them.\n"
    "# `bsevents config delete-key` removes a key; `bsevents config set-key` moves it to the\n"
    "# keyring.\n\n"
)


@dataclass(frozen=True)
class ApiKey:
    """The key and where it was found. `value` is kept out of repr and str.

    `backend` names the keyring backend (source "keyring"); `path` is the key file
    (source "file").
    """

    value: str = field(repr=False)
    source: KeySource
    backend: str | None = None
    path: Path | None = None

    def __str__(self) -> str:
        return f"<ApiKey from {self.source}: {self.masked()}>"

    def masked(self) -> str:
        """The key shown as its last four characters only."""
        return mask(self.value)

    def origin(self) -> str:
        """Where the key came from, for people: 'the keyring, via SecretService Keyring'
        (no parentheses: callers put this inside their own)."""
        if self.source == "env":
            return f"the environment variable {KEY_ENV}"
        if self.source == "keyring":
            return f"the keyring, via {self.backend or 'an unknown backend'}"
        return f"the plain-text file {self.path}"


def mask(value: str) -> str:
    """`••••abcd`: enough to tell keys apart, not enough to use one."""
    tail = value[-4:] if len(value) >= 12 else ""
    return f"••••{tail}"


def missing_key_error(profile: str) -> AuthProblem:
    return AuthProblem(
        f"no Blueshift API key for profile {profile!r}",
        f"set {KEY_ENV}, or store one with `bsevents config set-key`"
        + ("" if profile == "default" else f" --profile {profile}"),
    )


def check_key_text(text: str) -> str:
    """The key with surrounding whitespace removed; UsageProblem if it cannot be a key."""
    value = text.strip()
    if not value:
        raise UsageProblem("no API key given (the input was empty)")
    if any(c.isspace() for c in value) or not value.isprintable():
        # Never echo it: it may be a real key with a stray character.
        raise UsageProblem(
            "that is not one API key: it has spaces, line breaks or control characters inside",
            "paste only the key (Account Settings > API Keys > User API key)",
        )
    return value


# --- the plain-text key file --------------------------------------------------------------


def key_file() -> Path:
    """The plain-text key file used with --insecure-storage."""
    from bsevents.state.paths import config_dir

    return config_dir() / KEY_FILE_NAME


def _read_key_file(path: Path) -> dict[str, Any]:
    from bsevents.state.config_file import load_config

    data = load_config(path).data  # same reading and the same error for a malformed file
    profiles = data.get("profiles", {})
    return profiles if isinstance(profiles, dict) else {}


def file_get(profile: str, field: str = "api-key") -> tuple[str | None, Path]:
    """(the key stored in plain text for `profile` or None, the file). `field` is
    `event-api-key` for the Event API key."""
    path = key_file()
    entry = _read_key_file(path).get(profile)
    value = entry.get(field) if isinstance(entry, dict) else None
    if isinstance(value, str) and value.strip():
        return value.strip(), path
    return None, path


def file_set(profile: str, value: str, field: str = "api-key") -> Path:
    """Keep the key in the plain-text file (0600 in the 0700 config directory)."""
    from bsevents.state.config_file import profile_table, update_config

    def change(document: TOMLDocument) -> None:
        table = profile_table(document, profile, create={field: value})
        assert table is not None
        table[field] = value

    path = key_file()
    update_config(change, path, header=_KEY_FILE_HEADER)
    return path


def file_delete(profile: str, field: str = "api-key") -> bool:
    """Remove the profile's key from the plain-text file; False if it had none there.
    The profile's other key (User or Event) stays."""
    from bsevents.state.config_file import update_config

    path = key_file()
    entry = _read_key_file(path).get(profile) if path.exists() else None
    if not isinstance(entry, dict) or field not in entry:
        return False  # the common case: no lock taken

    def change(document: TOMLDocument) -> bool:
        table = document.get("profiles", {}).get(profile)
        if table is None or field not in table:
            return False  # another process removed it meanwhile
        del table[field]
        if not table:
            del document["profiles"][profile]
        return True

    def no_keys_left(document: TOMLDocument) -> bool:
        # Leave no file behind that says "keys are kept here" when none are.
        return not document.get("profiles")

    return update_config(change, path, header=_KEY_FILE_HEADER, remove_when=no_keys_left)


def _too_open(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


# --- what commands use ------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyLookup:
    """The key if one was found, and why the keyring could not be asked, if it could not."""

    key: ApiKey | None
    keyring_problem: str | None = None


def lookup_api_key(
    profile: str,
    env: Mapping[str, str] | None = None,
    *,
    warn: Notify = ignore,
    debug: Notify = ignore,
) -> KeyLookup:
    """Look for the key in the environment, the keyring, then the plain-text file.

    Never raises for a missing key or an unusable keyring (it says so instead). Using the
    plain-text file is a one-line `warn`, every time; why the keyring failed goes to `debug`.
    """
    environ = os.environ if env is None else env
    value = environ.get(KEY_ENV, "").strip()
    if value:
        return KeyLookup(ApiKey(value, "env"))
    unusable: str | None = None
    absent = False
    try:
        stored, name = keyring_get(profile)
    except KeyringUnusable as problem:
        unusable, absent = problem.reason, problem.absent
        debug(f"keyring: {problem.reason}")
    else:
        if stored and stored.strip():
            return KeyLookup(ApiKey(stored.strip(), "keyring", backend=name))
    in_file, path = file_get(profile)
    if in_file:
        # Say why the keyring was passed over only when it is not simply absent: a
        # locked or silent keyring is worth fixing, and explains a slow start.
        because = f" (the keyring cannot be used: {unusable})" if unusable and not absent else ""
        warn(f"using the API key for profile {profile!r} kept in plain text in {path}{because}")
        if _too_open(path):
            warn(f"{path} can be read by other users: run chmod 600 {path}")
        return KeyLookup(ApiKey(in_file, "file", path=path), unusable)
    return KeyLookup(None, unusable)


def resolve_api_key(
    profile: str,
    env: Mapping[str, str] | None = None,
    *,
    warn: Notify = ignore,
    debug: Notify = ignore,
) -> ApiKey:
    """The key for `profile`: the environment, else the keyring, else the plain-text file.

    Raises AuthProblem when there is none, KeyringUnavailable when there is none and the
    keyring could not be asked. Using the plain-text file is a one-line `warn`.
    """
    found = lookup_api_key(profile, env, warn=warn, debug=debug)
    if found.key is not None:
        return found.key
    if found.keyring_problem:
        raise KeyringUnavailable(
            f"no Blueshift API key for profile {profile!r}: {KEY_ENV} is not set and the "
            f"system keyring cannot be used ({found.keyring_problem})",
            _WAYS_OUT + _longer_wait_hint(found.keyring_problem),
        )
    raise missing_key_error(profile)


def _longer_wait_hint(reason: str) -> str:
    if "did not answer" not in reason:
        return ""
    return f"; if it was waiting for you to unlock it, allow longer with {TIMEOUT_ENV}=30"


@dataclass(frozen=True)
class Stored:
    """Where set-key put the key, and what it cleaned up."""

    key: ApiKey
    removed_from_file: bool = False
    removed_from_keyring: bool = False
    notes: list[str] = field(default_factory=list)


def store_api_key(
    profile: str, text: str, *, insecure: bool = False, debug: Notify = ignore
) -> Stored:
    """Store the key for `profile` in the keyring, or with `insecure` in the plain-text
    file. Only one store holds a profile's key: the other one is emptied, so an old key
    can never shadow the new one. Raises KeyringUnavailable when the keyring cannot be
    used (and `insecure` was not asked for)."""
    value = check_key_text(text)
    if insecure:
        path = file_set(profile, value)
        notes: list[str] = []
        removed = False
        try:
            removed, _ = keyring_delete(profile)
        except KeyringUnusable as problem:
            # Nothing stored there can be read either; nothing to warn about.
            debug(f"keyring: {problem.reason}")
        if removed:
            notes.append("removed the old key from the keyring")
        return Stored(ApiKey(value, "file", path=path), removed_from_keyring=removed, notes=notes)
    try:
        name = keyring_set(profile, value)
    except KeyringUnusable as problem:
        raise _cannot_store(problem) from None
    removed = file_delete(profile)
    notes = [f"removed the plain-text copy from {key_file()}"] if removed else []
    return Stored(ApiKey(value, "keyring", backend=name), removed_from_file=removed, notes=notes)


def check_keyring_usable(profile: str) -> None:
    """Raise KeyringUnavailable if the keyring cannot be used, so that set-key can say so
    before anyone types or pastes a key only to have it refused."""
    try:
        keyring_get(profile)  # a read: it finds a missing, locked or silent keyring
    except KeyringUnusable as problem:
        raise _cannot_store(problem) from None


def _cannot_store(problem: KeyringUnusable) -> KeyringUnavailable:
    return KeyringUnavailable(
        f"cannot store the key: the system keyring cannot be used ({problem.reason})",
        _WAYS_OUT + _longer_wait_hint(problem.reason),
    )


@dataclass(frozen=True)
class Deleted:
    """What delete-key removed; `keyring_problem` says why the keyring could not be asked."""

    from_keyring: bool
    from_file: bool
    backend: str | None = None
    file: Path | None = None
    keyring_problem: str | None = None


def delete_api_key(profile: str) -> Deleted:
    """Remove the profile's key from the keyring and from the plain-text file."""
    from_file = file_delete(profile)
    try:
        from_keyring, name = keyring_delete(profile)
    except KeyringUnusable as problem:
        if problem.absent:  # no keyring at all: it holds nothing to delete
            return Deleted(False, from_file, None, key_file())
        return Deleted(False, from_file, None, key_file(), problem.reason)
    return Deleted(from_keyring, from_file, name, key_file())
