"""Every call to the system keyring, each in a daemon thread with a timeout.

A locked Secret Service, a D-Bus that never answers or a broken backend must not hang
the tool: each call waits at most BSEVENTS_KEYRING_TIMEOUT seconds (default 3), and every
error a backend raises is caught and turned into KeyringUnusable, whose reason is safe to
show (it never contains the key). keyring itself is imported only inside that thread, so
commands that never need it (a key in the environment, --version, --demo) never load it;
which backend it uses, and how that choice is kept cheap, is `keyring_backend`'s job.

Entries: service `bsevents`, user name = the profile.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bsevents.errors import UsageProblem
from bsevents.model.sanitize import clean, shorten

SERVICE = "bsevents"
TIMEOUT_ENV = "BSEVENTS_KEYRING_TIMEOUT"
DEFAULT_TIMEOUT = 3.0
T = TypeVar("T")


class KeyringUnusable(Exception):
    """The keyring could not be used; `reason` is safe to show. `absent` means there is no
    keyring at all (so it certainly holds no key), as opposed to one that is locked,
    failing or not answering."""

    def __init__(self, reason: str, *, absent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.absent = absent


class _NoBackend(Exception):
    """keyring found no real backend (it chose its `fail` or `null` stand-in)."""

    def __init__(self, backend: Any) -> None:
        if type(backend).__module__ == "keyring.backends.null":
            super().__init__("keyring is set to its null backend, which keeps nothing")
        else:
            super().__init__("no keyring backend is available on this system")


class _NotKept(Exception):
    """The backend took the key but gives back something else: it does not keep keys."""

    def __init__(self) -> None:
        super().__init__("the key was accepted but could not be read back")


_stuck: threading.Thread | None = None  # a keyring call that never came back


def keyring_timeout(env: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for one keyring call: BSEVENTS_KEYRING_TIMEOUT, default 3."""
    text = (os.environ if env is None else env).get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    # ASCII digits only: float() would also read `١٠`, `1_0` and `nan`.
    seconds = float(text) if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{1,6})?", text) else -1.0
    if not 0 < seconds <= 600:
        raise UsageProblem(f"{TIMEOUT_ENV} must be a number of seconds (0 to 600), got {text!r}")
    return seconds


def backend_name(backend: Any) -> str:
    """A keyring backend as people know it: 'SecretService Keyring', 'macOS Keyring'."""
    name = getattr(backend, "name", None)
    return str(name) if name else type(backend).__name__


def _reason(error: Exception, secret: str | None) -> str:
    """A one-line, key-free description of a keyring error."""
    import keyring.errors

    if isinstance(error, (_NoBackend, _NotKept)):
        return str(error)
    if isinstance(error, keyring.errors.NoKeyringError):
        return "no keyring backend is available on this system"
    if isinstance(error, keyring.errors.KeyringLocked):
        return "the keyring is locked"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if secret:
        text = text.replace(secret, "***")
    text = shorten(clean(text), 160)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def keyring_errors() -> Any:
    """keyring.errors, imported when first needed."""
    import keyring.errors

    return keyring.errors


def _with_keyring(work: Callable[[Any], T], *, secret: str | None = None) -> tuple[T, str]:
    """Run `work(backend)` against the keyring, in a daemon thread with a timeout.

    Returns (result, backend name). Raises KeyringUnusable when keyring cannot be imported, has
    no usable backend, raises anything, or does not answer in time.
    """
    global _stuck
    if _stuck is not None and _stuck.is_alive():
        raise KeyringUnusable("the keyring is still not answering an earlier request")
    timeout = keyring_timeout()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            from bsevents.state.keyring_backend import NO_KEYRING, chosen_backend

            backend = chosen_backend()
            outcome["name"] = backend_name(backend)
            # keyring's stand-ins for "no keyring": `fail` raises, `null` silently forgets.
            if type(backend).__module__ in NO_KEYRING:
                raise _NoBackend(backend)
            outcome["result"] = work(backend)
        except Exception as error:  # any failure inside a backend means: not usable now
            if isinstance(error, (_NoBackend, keyring_errors().NoKeyringError)):
                outcome.pop("name", None)  # "fail Keyring: no backend" says it twice
                outcome["absent"] = True
            try:
                outcome["error"] = _reason(error, secret)
            except Exception:
                outcome["error"] = type(error).__name__

    thread = threading.Thread(target=run, name="bsevents-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        _stuck = thread
        raise KeyringUnusable(f"the keyring did not answer within {timeout:g} s")
    if "error" in outcome:
        name = outcome.get("name")
        raise KeyringUnusable(
            f"{name}: {outcome['error']}" if name else outcome["error"],
            absent=outcome.get("absent", False),
        )
    return outcome["result"], outcome["name"]


def keyring_get(profile: str) -> tuple[str | None, str]:
    """(the stored key or None, backend name). Raises KeyringUnusable."""

    def work(backend: Any) -> str | None:
        value = backend.get_password(SERVICE, profile)
        return value if isinstance(value, str) else None

    return _with_keyring(work)


def keyring_set(profile: str, value: str) -> str:
    """Store the key and read it back; the backend name. Raises KeyringUnusable."""

    def work(backend: Any) -> None:
        backend.set_password(SERVICE, profile, value)
        # Some backends accept a key and keep nothing; only a read-back proves it is there.
        if backend.get_password(SERVICE, profile) != value:
            raise _NotKept

    _, name = _with_keyring(work, secret=value)
    return name


def keyring_delete(profile: str) -> tuple[bool, str]:
    """(True if a key was deleted, backend name). Raises KeyringUnusable."""

    def work(backend: Any) -> bool:
        import keyring.errors

        if backend.get_password(SERVICE, profile) is None:
            return False
        try:
            backend.delete_password(SERVICE, profile)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    return _with_keyring(work)
