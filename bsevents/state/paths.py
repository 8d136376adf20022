"""Where bsevents keeps its files, and how it writes them: private and atomic.

Settings live in the user config directory, the call ledger in the user state directory,
stored responses in the user cache directory (as platformdirs places them on this system;
see `bsevents.state.dirs`). Every directory is 0700 and every file 0600: they describe customers
and accounts, and one of them may hold a key.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from pathlib import Path

from bsevents.state.dirs import user_dir


def config_dir() -> Path:
    return Path(user_dir("config"))


def state_dir() -> Path:
    return Path(user_dir("state"))


def cache_dir() -> Path:
    return Path(user_dir("cache"))


def config_file() -> Path:
    return config_dir() / "config.toml"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` if needed, and any missing parents, each 0700; make `path` 0700."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    if not path.is_dir():
        # A file where the directory should be: say so, and never chmod the file.
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def write_private_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a 0600 file, atomically: a reader sees the old file or the
    new one, never a half-written one, even if the process is killed mid-write.

    When `path` is a symbolic link, the file it points at is replaced and the link kept:
    a person who links the file into a dotfiles folder keeps the link."""
    ensure_private_dir(path.parent)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def set_aside(path: Path, label: str = "damaged") -> Path:
    """Rename a damaged file (or whatever stands at `path`) to `<name>.<label>-<time>` and
    return the new path. A name already taken gets `-2`, `-3`…: an earlier aside is never
    overwritten. A symlink is renamed itself; what it points to is left alone."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    number = 1
    while os.path.lexists(aside):
        number += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{number}")
    os.rename(path, aside)
    return aside


FOLDERS_HINT = (
    "bsevents keeps its files where `bsevents config path` says (XDG_CONFIG_HOME, "
    "XDG_STATE_HOME and XDG_CACHE_HOME move them): folders it can create or write to"
)


def cannot_use(error: OSError) -> str:
    """`cannot use PATH: part of that path is a file, not a folder`: an OSError that names
    a path, worded for the user (FOLDERS_HINT says what to do)."""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOTDIR:
        reason = "part of that path is a file, not a folder"
    return f"cannot use {error.filename}: {reason}"


def describe_os_error(error: OSError) -> str:
    """`No space left on device`: the reason alone, without the path (said elsewhere)."""
    return error.strerror or type(error).__name__
