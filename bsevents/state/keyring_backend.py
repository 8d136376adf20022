"""Which keyring backend bsevents uses: chosen once per machine, and then only it is imported.

Left to itself, `keyring.get_keyring()` imports every backend it knows on every run (the
macOS one too, on Linux: tens of milliseconds spent finding Apple's libraries) and asks
each whether it works, before one password is read. bsevents chooses the way keyring does,
in keyring's order, and pays for the search once:

1. `PYTHON_KEYRING_BACKEND` names the backend: keyring loads that one (and keeps it).
2. keyring's own config file (`keyringrc.cfg`, `default-keyring`) names it.
3. The backend remembered for this machine, in `<cache dir>/keyring-backend.json`: imported
   alone and re-validated (keyring's `priority` check, which fails when, say, the Secret
   Service is gone); a choice that no longer holds is searched for again.
4. Otherwise the search: the backends keyring registers for this system and third-party
   plugins, the viable one of highest priority, as keyring picks. Backends of other
   systems are never imported (no macOS backend on Linux). Where keyring would chain
   several viable backends, this takes the first of its chain: the one keyring writes to.
   A real backend found is remembered; "none" (keyring's `fail`) is not, so a keyring
   installed later is found.

The remembered file holds no secret, only a backend's name; it is trusted only when it is
a private regular file of this user, written on this machine and system.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from bsevents.state.paths import cache_dir, write_private_atomic

BACKEND_ENV = "PYTHON_KEYRING_BACKEND"
CHOICE_FILE = "keyring-backend.json"
# keyring's stand-ins for "no keyring": never remembered.
NO_KEYRING = ("keyring.backends.fail", "keyring.backends.null")
# keyring's backends that belong to one system only, and that system.
SYSTEM_ONLY = {"keyring.backends.macOS": "darwin", "keyring.backends.Windows": "win32"}
# Chains every backend keyring finds: importing them all is what this module avoids.
CHAINER = "keyring.backends.chainer"
_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")

_chosen: Any = None  # this process's backend, once chosen (not from PYTHON_KEYRING_BACKEND)


def chosen_backend() -> Any:
    """The keyring backend instance to use. Imports keyring; may raise what keyring raises."""
    global _chosen
    import keyring

    if os.environ.get(BACKEND_ENV):
        return keyring.get_keyring()
    if _chosen is None:
        import keyring.core

        _chosen = keyring.core.load_config() or _remembered() or _search()
    return _chosen


def choice_file() -> Path:
    return cache_dir() / CHOICE_FILE


def _this_machine() -> dict[str, str]:
    node = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return {"host": node, "platform": sys.platform}


def foreign(module: str) -> bool:
    """Whether `module` is a keyring backend of another system than this one."""
    system = next(
        (s for m, s in SYSTEM_ONLY.items() if module == m or module.startswith(m + ".")), None
    )
    return system is not None and system != sys.platform


def _remembered() -> Any:
    """The backend remembered for this machine, if it still works here; else None."""
    name = remembered_name()
    if name is None:
        return None
    import keyring.core
    from keyring.backend import KeyringBackend

    try:
        # Imports that backend alone; its `priority` raises when it cannot work here.
        found = keyring.core.load_keyring(name)
    except Exception:  # gone, broken or no longer viable: search again
        return None
    return found if isinstance(found, KeyringBackend) else None


def remembered_name() -> str | None:
    """The backend remembered for this machine, by name, if the file can be trusted."""
    path = choice_file()
    try:
        status = os.lstat(path)
        # Only a private regular file of this user: it decides which module is imported.
        if not _private_file(status):
            return None
        with open(path, "rb") as handle:
            data = json.loads(handle.read(4096))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if any(data.get(key) != value for key, value in _this_machine().items()):
        return None  # another machine's choice, in a home folder they share
    name = data.get("backend")
    if not isinstance(name, str) or len(name) > 200 or not _NAME.fullmatch(name):
        return None
    module = name.rpartition(".")[0]
    if foreign(module) or module == CHAINER or module in NO_KEYRING:
        return None
    return name


def _private_file(status: os.stat_result) -> bool:
    import stat

    if not stat.S_ISREG(status.st_mode) or status.st_mode & 0o022:
        return False
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def _search() -> Any:
    """keyring's own choice, made without importing other systems' backends; remembered."""
    from importlib.metadata import entry_points

    from keyring.backend import KeyringBackend, by_priority
    from keyring.backends import fail

    for point in entry_points(group="keyring.backends"):
        module = point.value.partition(":")[0].strip()
        if foreign(module) or module == CHAINER:
            continue
        # A broken plugin is passed over, as keyring passes over it.
        with contextlib.suppress(Exception):
            loaded = point.load()
            if callable(loaded):  # a plugin's initialisation function, as keyring runs it
                loaded()
    viable = [
        kind
        for kind in KeyringBackend.get_viable_backends()
        if not foreign(kind.__module__) and kind.__module__ != CHAINER
    ]
    for kind in sorted(viable, key=by_priority, reverse=True):
        try:
            found = kind()
        except TypeError:  # needs arguments: keyring passes over it too
            continue
        if type(found).__module__ not in NO_KEYRING:
            _remember(f"{kind.__module__}.{kind.__name__}")
        return found
    nothing: Any = fail.Keyring  # keyring's "no keyring", as keyring falls back to it
    return nothing()


def _remember(name: str) -> None:
    data = {"backend": name, **_this_machine()}
    with contextlib.suppress(OSError):  # only a cost: the next run searches again
        write_private_atomic(choice_file(), json.dumps(data).encode() + b"\n")
