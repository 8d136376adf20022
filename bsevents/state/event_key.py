"""The Event API key (for `bsevents send`): a different key from the User API key.

Order: `BLUESHIFT_EVENT_API_KEY`, then the keyring, then the plain-text key file, with
the User key's rules (`config set-key --event`, `--stdin`, `--insecure-storage`). In the
keyring it is the entry `<profile>:event` (no profile name holds a colon, so it cannot be
taken for a User key); in the key file, `event-api-key` beside the profile's `api-key`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bsevents.errors import AuthProblem, KeyringUnavailable
from bsevents.model.report import Notify, ignore
from bsevents.state.keyring_access import KeyringUnusable, keyring_delete, keyring_get, keyring_set
from bsevents.state.keys import (
    ApiKey,
    Deleted,
    Stored,
    check_key_text,
    file_delete,
    file_get,
    file_set,
    key_file,
)

EVENT_KEY_ENV = "BLUESHIFT_EVENT_API_KEY"
FIELD = "event-api-key"


def entry(profile: str) -> str:
    """The keyring user name of the profile's Event API key."""
    return f"{profile}:event"


def resolve_event_key(
    profile: str, env: Mapping[str, str] | None = None, *, warn: Notify = ignore
) -> ApiKey:
    """The profile's Event API key. Raises AuthProblem (exit 3) when there is none; using
    the plain-text file is a one-line `warn`."""
    value = (os.environ if env is None else env).get(EVENT_KEY_ENV, "").strip()
    if value:
        return ApiKey(value, "env")
    problem: str | None = None
    try:
        stored, name = keyring_get(entry(profile))
    except KeyringUnusable as unusable:
        problem = unusable.reason
    else:
        if stored and stored.strip():
            return ApiKey(stored.strip(), "keyring", backend=name)
    in_file, path = file_get(profile, FIELD)
    if in_file:
        warn(f"using the Event API key for profile {profile!r} kept in plain text in {path}")
        return ApiKey(in_file, "file", path=path)
    command = "bsevents config set-key --event" + (
        "" if profile == "default" else f" --profile {profile}"
    )
    if problem:
        raise KeyringUnavailable(
            f"no Blueshift Event API key for profile {profile!r}: {EVENT_KEY_ENV} is not set "
            f"and the system keyring cannot be used ({problem})",
            f"set {EVENT_KEY_ENV}, or keep it in a plain-text file with "
            f"`{command} --insecure-storage`",
        )
    raise AuthProblem(
        f"no Blueshift Event API key for profile {profile!r} (sending events needs the "
        "Event API key, not the User API key)",
        f"set {EVENT_KEY_ENV}, or store it with `{command}`",
    )


def store_event_key(profile: str, text: str, *, insecure: bool = False) -> Stored:
    """Store the profile's Event API key in the keyring, or with `insecure` in the key
    file; the other store is emptied, so an old key can never shadow the new one."""
    value = check_key_text(text)
    if insecure:
        path = file_set(profile, value, FIELD)
        try:
            removed, _ = keyring_delete(entry(profile))
        except KeyringUnusable:
            removed = False  # nothing stored there can be read either
        notes = ["removed the old Event API key from the keyring"] if removed else []
        return Stored(ApiKey(value, "file", path=path), removed_from_keyring=removed, notes=notes)
    try:
        name = keyring_set(entry(profile), value)
    except KeyringUnusable as problem:
        raise KeyringUnavailable(
            f"cannot store the Event API key: the system keyring cannot be used ({problem.reason})",
            f"set {EVENT_KEY_ENV} in the environment instead, or keep the key in a plain-text "
            "file with `bsevents config set-key --event --insecure-storage`",
        ) from None
    removed = file_delete(profile, FIELD)
    notes = ["removed the plain-text copy of the Event API key"] if removed else []
    return Stored(ApiKey(value, "keyring", backend=name), removed_from_file=removed, notes=notes)


def delete_event_key(profile: str) -> Deleted:
    """Remove the profile's Event API key from the keyring and the key file."""
    from_file = file_delete(profile, FIELD)
    try:
        from_keyring, name = keyring_delete(entry(profile))
    except KeyringUnusable as problem:
        return Deleted(
            False, from_file, None, key_file(), None if problem.absent else problem.reason
        )
    return Deleted(from_keyring, from_file, name, key_file())
