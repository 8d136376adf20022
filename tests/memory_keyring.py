"""Keyring backends for tests, chosen the way a user would choose one:
PYTHON_KEYRING_BACKEND=tests.memory_keyring.MemoryKeyring (see the `keyring_backend`
fixture in conftest.py).

MemoryKeyring keeps keys in memory, so a test can look inside; the others misbehave the
way real keyrings do: one never answers, one is locked, one fails with a message that
echoes the key, one accepts keys and keeps nothing.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A working keyring whose entries live in this object."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class HangingKeyring(MemoryKeyring):
    """Never answers, like a Secret Service behind a D-Bus that hangs, until `release`."""

    release: ClassVar[threading.Event] = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait()


class LockedKeyring(MemoryKeyring):
    """A keyring that stays locked."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class LeakyKeyring(MemoryKeyring):
    """Fails with an error message that repeats the secret it was given."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"backend exploded while storing {password!r}")


class ForgetfulKeyring(MemoryKeyring):
    """Accepts every key and keeps none (what a misconfigured backend can do)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
