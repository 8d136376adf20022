"""Where the API keys come from and where they are kept: one store for both keys.

Blueshift has two keys: the *User* API key (show_events, Search customer) and the *Event*
API key (`bsevents send`). Each is a `KeyKind`, and both are found the same way, in this
order: the environment (`BLUESHIFT_API_KEY`, `BLUESHIFT_EVENT_API_KEY`; never touching the
keyring, so a CI runner without one pays nothing), then the system keyring (service
`bsevents`, user name = the profile, or `<profile>:event` for the Event API key: no
profile name holds a colon; see `keyring_access`, which bounds every call with a
timeout), then the plain-text key file written by `config set-key --insecure-storage`
(fields `api-key` and `event-api-key` of the profile's table).

A keyring that cannot be used is reported as KeyringUnavailable ("the keyring cannot be
used", exit 3), never confused with a key that Blueshift rejected (KeyRejected).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bsevents.errors import AuthProblem, KeyringUnavailable, UsageProblem
from bsevents.model.report import SILENT, Reporter
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
EVENT_KEY_ENV = "BLUESHIFT_EVENT_API_KEY"
KEY_FILE_NAME = "credentials.toml"
KeySource = Literal["env", "keyring", "file"]

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
    env: str = KEY_ENV  # the variable that holds this kind of key

    def __str__(self) -> str:
        return f"<ApiKey from {self.source}: {self.masked()}>"

    def masked(self) -> str:
        """The key shown as its last four characters only."""
        return mask(self.value)

    def origin(self) -> str:
        """Where the key came from, for people: 'the keyring, via SecretService Keyring'
        (no parentheses: callers put this inside their own)."""
        if self.source == "env":
            return f"the environment variable {self.env}"
        if self.source == "keyring":
            return f"the keyring, via {self.backend or 'an unknown backend'}"
        return f"the plain-text file {self.path}"


def mask(value: str) -> str:
    """`••••abcd`: enough to tell keys apart, not enough to use one."""
    tail = value[-4:] if len(value) >= 12 else ""
    return f"••••{tail}"


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


# --- the two kinds of key ------------------------------------------------------------------


@dataclass(frozen=True)
class KeyKind:
    """One of Blueshift's two keys: where each store keeps it and how it is named."""

    label: str  # "API key", "Event API key"
    env: str  # the environment variable that holds it
    field: str  # its field in the plain-text file's profile table
    entry_suffix: str  # its keyring user name is the profile plus this
    set_key: str  # the command that stores it
    why: str = ""  # said when it is missing

    def entry(self, profile: str) -> str:
        """The keyring user name of the profile's key of this kind."""
        return profile + self.entry_suffix

    def command(self, profile: str) -> str:
        return self.set_key + ("" if profile == "default" else f" --profile {profile}")


USER = KeyKind("API key", KEY_ENV, "api-key", "", "bsevents config set-key")
EVENT = KeyKind(
    "Event API key",
    EVENT_KEY_ENV,
    "event-api-key",
    ":event",
    "bsevents config set-key --event",
    why=" (sending events needs the Event API key, not the User API key)",
)


def missing_key_error(profile: str, kind: KeyKind = USER) -> AuthProblem:
    return AuthProblem(
        f"no Blueshift {kind.label} for profile {profile!r}{kind.why}",
        f"set {kind.env}, or store one with `{kind.command(profile)}`",
    )


# --- what commands use ------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyLookup:
    """The key if one was found, and why the keyring could not be asked, if it could not."""

    key: ApiKey | None
    keyring_problem: str | None = None


def lookup_key(
    profile: str,
    kind: KeyKind = USER,
    env: Mapping[str, str] | None = None,
    *,
    report: Reporter = SILENT,
) -> KeyLookup:
    """Look for the key in the environment, the keyring, then the plain-text file.

    Never raises for a missing key or an unusable keyring (it says so instead). Using the
    plain-text file is a one-line warning (with a second one when others can read the
    file); why the keyring failed goes to debug. A run looks its keys up once (the run's
    context keeps them), so each warning is said once per run.
    """
    environ = os.environ if env is None else env
    value = environ.get(kind.env, "").strip()
    if value:
        return KeyLookup(ApiKey(value, "env", env=kind.env))
    unusable: str | None = None
    absent = False
    try:
        stored, name = keyring_get(kind.entry(profile))
    except KeyringUnusable as problem:
        unusable, absent = problem.reason, problem.absent
        report.debug(f"keyring: {problem.reason}")
    else:
        if stored and stored.strip():
            found = ApiKey(stored.strip(), "keyring", backend=name, env=kind.env)
            _remember(profile, kind, found.value)
            return KeyLookup(found)
    in_file, path = file_get(profile, kind.field)
    if in_file:
        # Say why the keyring was passed over only when it is not simply absent: a
        # locked or silent keyring is worth fixing, and explains a slow start.
        because = f" (the keyring cannot be used: {unusable})" if unusable and not absent else ""
        report.warn(
            f"using the {kind.label} for profile {profile!r} kept in plain text in {path}{because}"
        )
        if _too_open(path):
            report.warn(f"{path} can be read by other users: run chmod 600 {path}")
        _remember(profile, kind, in_file)
        return KeyLookup(ApiKey(in_file, "file", path=path, env=kind.env), unusable)
    return KeyLookup(None, unusable)


def resolve_key(
    profile: str,
    kind: KeyKind = USER,
    env: Mapping[str, str] | None = None,
    *,
    report: Reporter = SILENT,
) -> ApiKey:
    """The profile's key of this kind: the environment, else the keyring, else the
    plain-text file. Raises AuthProblem when there is none, KeyringUnavailable when there
    is none and the keyring could not be asked."""
    found = lookup_key(profile, kind, env, report=report)
    if found.key is not None:
        return found.key
    if found.keyring_problem:
        raise KeyringUnavailable(
            f"no Blueshift {kind.label} for profile {profile!r}: {kind.env} is not set and "
            f"the system keyring cannot be used ({found.keyring_problem})",
            _ways_out(kind) + _longer_wait_hint(found.keyring_problem),
        )
    raise missing_key_error(profile, kind)


def _ways_out(kind: KeyKind) -> str:
    return (
        f"set {kind.env} in the environment instead, or keep the key in a plain-text file "
        f"with `{kind.set_key} --insecure-storage`"
    )


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


def store_key(
    profile: str,
    text: str,
    kind: KeyKind = USER,
    *,
    insecure: bool = False,
    report: Reporter = SILENT,
) -> Stored:
    """Store the profile's key of this kind in the keyring, or with `insecure` in the
    plain-text file. Only one store holds a key: the other one is emptied, so an old key
    can never shadow the new one. Raises KeyringUnavailable when the keyring cannot be
    used (and `insecure` was not asked for)."""
    value = check_key_text(text)
    old = "key" if kind is USER else kind.label
    if insecure:
        path = file_set(profile, value, kind.field)
        removed = False
        try:
            removed, _ = keyring_delete(kind.entry(profile))
        except KeyringUnusable as problem:
            # Nothing stored there can be read either; nothing to warn about.
            report.debug(f"keyring: {problem.reason}")
        notes = [f"removed the old {old} from the keyring"] if removed else []
        key = ApiKey(value, "file", path=path, env=kind.env)
        _remember(profile, kind, value)
        return Stored(key, removed_from_keyring=removed, notes=notes)
    try:
        name = keyring_set(kind.entry(profile), value)
    except KeyringUnusable as problem:
        raise _cannot_store(problem, kind) from None
    removed = file_delete(profile, kind.field)
    copy = "the plain-text copy" if kind is USER else f"the plain-text copy of the {kind.label}"
    notes = [f"removed {copy} from {key_file()}"] if removed else []
    key = ApiKey(value, "keyring", backend=name, env=kind.env)
    _remember(profile, kind, value)
    return Stored(key, removed_from_file=removed, notes=notes)


def check_keyring_usable(profile: str, kind: KeyKind = USER) -> None:
    """Raise KeyringUnavailable if the keyring cannot be used, so that set-key can say so
    before anyone types or pastes a key only to have it refused."""
    try:
        keyring_get(kind.entry(profile))  # a read: it finds a missing, locked or silent keyring
    except KeyringUnusable as problem:
        raise _cannot_store(problem, kind) from None


def _cannot_store(problem: KeyringUnusable, kind: KeyKind) -> KeyringUnavailable:
    what = "the key" if kind is USER else f"the {kind.label}"
    return KeyringUnavailable(
        f"cannot store {what}: the system keyring cannot be used ({problem.reason})",
        _ways_out(kind) + _longer_wait_hint(problem.reason),
    )


@dataclass(frozen=True)
class Deleted:
    """What delete-key removed; `keyring_problem` says why the keyring could not be asked."""

    from_keyring: bool
    from_file: bool
    backend: str | None = None
    file: Path | None = None
    keyring_problem: str | None = None


def delete_key(profile: str, kind: KeyKind = USER) -> Deleted:
    """Remove the profile's key of this kind from the keyring and the plain-text file."""
    _remember(profile, kind, None)
    from_file = file_delete(profile, kind.field)
    try:
        from_keyring, name = keyring_delete(kind.entry(profile))
    except KeyringUnusable as problem:
        if problem.absent:  # no keyring at all: it holds nothing to delete
            return Deleted(False, from_file, None, key_file())
        return Deleted(False, from_file, None, key_file(), problem.reason)
    return Deleted(from_keyring, from_file, name, key_file())


# --- the key's print, remembered ---------------------------------------------------------
# `quota` names the account by the key's fingerprint; asking the keyring for the key costs
# more than the rest of `quota` together, so the print (never the key) is remembered each
# time the User key is found in, or stored to, the keyring or the key file.


def _prints_path() -> Path:
    from bsevents.state.paths import state_dir

    return state_dir() / "key-prints.json"


def _read_prints() -> dict[str, str]:
    import json

    from bsevents.model.files import read_file

    try:
        data = json.loads(read_file(_prints_path()))
    except (OSError, ValueError):
        return {}
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        return {}
    return {
        str(k): v
        for k, v in profiles.items()
        if isinstance(v, str) and len(v) == 12 and all(c in "0123456789abcdef" for c in v)
    }


def remembered_print(profile: str) -> str | None:
    """The print of the profile's User key as last found or stored, or None."""
    return _read_prints().get(profile)


def _remember(profile: str, kind: KeyKind, value: str | None) -> None:
    """Keep (or with None forget) the print of a profile's User key; best effort."""
    if kind is not USER:
        return
    import json

    from bsevents.state.ledger.budget import key_print
    from bsevents.state.paths import write_private_atomic

    prints = _read_prints()
    wanted = key_print(value) if value is not None else None
    if prints.get(profile) == wanted:
        return  # the common case: nothing to write
    if wanted is None:
        prints.pop(profile, None)
    else:
        prints[profile] = wanted
    document = json.dumps({"version": 1, "profiles": prints}, indent=1).encode()
    with contextlib.suppress(OSError):
        write_private_atomic(_prints_path(), document)
