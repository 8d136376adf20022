"""The settings file (and the plain-text key file, which has the same form) on disk:
reading it strictly, and changing it without losing what a person wrote, or what another
bsevents wrote at the same moment.

Read with tomllib (tomli before Python 3.11); written with tomlkit, which keeps comments,
layout and keys bsevents does not know. Both are imported only when a file is really read
or written. A file that cannot be read is an error naming the file and line, and is never
overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bsevents.errors import BseventsError, UsageProblem
from bsevents.model.files import read_file

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.items import Table

T = TypeVar("T")

DEFAULT_PROFILE = "default"
# The write lock of the directory that holds the settings and key files (see filelock).
LOCK_NAME = ".lock"
# A profile name is a TOML table name, a keyring user name and part of messages: keep it
# to characters that need no quoting anywhere.
PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NEW_FILE_HEADER = (
    "# bsevents settings. Edit freely: `bsevents config set` keeps comments and keys it\n"
    "# does not know. See `bsevents config --help`.\n\n"
)


@dataclass(frozen=True)
class ConfigFile:
    """The settings file as read: `data` is the parsed TOML ({} when there is no file)."""

    path: Path
    exists: bool
    data: Mapping[str, Any] = field(repr=False)
    text: str = field(default="", repr=False)

    @property
    def default_profile(self) -> str | None:
        value = self.data.get("default_profile")
        return value if isinstance(value, str) else None

    def profiles(self) -> list[str]:
        """Every profile: `default` (which always exists) first, then the rest by name."""
        names = set(self.data.get("profiles", {})) - {DEFAULT_PROFILE}
        return [DEFAULT_PROFILE, *sorted(names)]

    def has_profile(self, name: str) -> bool:
        return name == DEFAULT_PROFILE or name in self.data.get("profiles", {})

    def profile_table(self, name: str) -> Mapping[str, Any]:
        """The profile's raw table ({} when it has none)."""
        table: Mapping[str, Any] = self.data.get("profiles", {}).get(name, {})
        return table

    def line_of(self, profile: str, key: str) -> int | None:
        """Best effort: the line of `key` inside `[profiles.<profile>]`, for messages."""
        header = re.compile(rf"^\s*\[\s*profiles\s*\.\s*[\"']?{re.escape(profile)}[\"']?\s*\]")
        key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        inside = False
        for number, line in enumerate(self.text.splitlines(), start=1):
            if line.lstrip().startswith("["):
                inside = bool(header.match(line))
            elif inside and key_re.match(line):
                return number
        return None


def _toml_error_line(error: Exception) -> tuple[int | None, str]:
    """(line, message without the position) from a tomllib/tomli decode error."""
    text = str(error)
    line = getattr(error, "lineno", None)  # Python 3.14 and tomli 2.1 have it
    found = re.search(r"\s*\(at line (\d+), column \d+\)\s*$", text)
    if found:
        line = line if isinstance(line, int) else int(found.group(1))
        text = text[: found.start()]
    return (line if isinstance(line, int) else None), text.strip()


def parse_toml_file(path: Path, text: str) -> dict[str, Any]:
    """Parse TOML read from `path`; a malformed file is a UsageProblem naming file and line."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, message = _toml_error_line(error)
        where = f"{path}, line {line}" if line else str(path)
        raise UsageProblem(
            f"{where}: not valid TOML: {message}",
            "fix the file by hand (bsevents never overwrites a file it cannot read)",
        ) from None
    return data


def _read_text(path: Path) -> str | None:
    try:
        raw = read_file(path)  # never a FIFO or a device: they would hang every command
    except (FileNotFoundError, NotADirectoryError):
        return None  # no file, or a file where a folder of its path should be: no settings
    except OSError as error:
        raise UsageProblem(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise UsageProblem(
            f"{path}, line {line}: not valid TOML: the file is not UTF-8 text",
            "fix the file by hand (bsevents never overwrites a file it cannot read)",
        ) from None


def _check_structure(path: Path, data: Mapping[str, Any]) -> None:
    """The parts of the file bsevents relies on have the right shape."""
    hint = "fix the file by hand, or see `bsevents config --help` for its layout"
    default = data.get("default_profile")
    if default is not None and (not isinstance(default, str) or not PROFILE_RE.match(default)):
        raise UsageProblem(f"{path}: default_profile must be a profile name, got {default!r}", hint)
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise UsageProblem(f"{path}: 'profiles' must be a table of [profiles.NAME] tables", hint)
    for name, table in profiles.items():
        if not PROFILE_RE.match(name):
            raise UsageProblem(f"{path}: [profiles.{name}]: {name!r} cannot name a profile", hint)
        if not isinstance(table, dict):
            raise UsageProblem(f"{path}: profiles.{name} must be a table ([profiles.{name}])", hint)


def load_config(path: Path | None = None) -> ConfigFile:
    """Read the settings file (absent is fine: no settings). Never writes."""
    if path is None:
        from bsevents.state.paths import config_file

        path = config_file()
    text = _read_text(path)
    if text is None:
        return ConfigFile(path, False, {})
    data = parse_toml_file(path, text)
    _check_structure(path, data)
    return ConfigFile(path, True, data, text)


def update_config(
    change: Callable[[TOMLDocument], T],
    path: Path | None = None,
    *,
    header: str = NEW_FILE_HEADER,
    remove_when: Callable[[TOMLDocument], bool] | None = None,
) -> T:
    """Apply `change` to the settings file (or the file at `path`) and return its answer.

    Read, change and write happen under the directory's write lock, so changes that
    other processes make meanwhile are kept, not overwritten. The file is written
    atomically (0600 in a 0700 directory), keeping comments, layout and unknown keys,
    and only if `change` changed it; a symbolic link stays a link and its target is
    written. When `remove_when` is true of the changed document, the file is removed
    instead. A file that cannot be read is left untouched: UsageProblem.
    """
    if path is None:
        from bsevents.state.paths import config_file

        path = config_file()
    import tomlkit  # only commands that write pay for it; imported before taking the lock

    from bsevents.state.filelock import locked
    from bsevents.state.paths import ensure_private_dir

    ensure_private_dir(path.parent)
    with locked(path.parent / LOCK_NAME, path):
        current = load_config(path)  # refuses a malformed file before anything is written
        before = current.text if current.exists else header
        document = tomlkit.parse(before)
        answer = change(document)
        after = tomlkit.dumps(document)
        if current.exists and remove_when is not None and remove_when(document):
            _remove(path)
        elif after != before:
            _write(path, after.encode("utf-8"))
    return answer


def _write(path: Path, data: bytes) -> None:
    """Replace the file atomically; through a symbolic link, replace the link's target."""
    from bsevents.state.paths import write_private_atomic

    try:
        write_private_atomic(path, data)
    except OSError as error:
        # A full disk would otherwise be reported without naming any file.
        raise BseventsError(f"cannot write {path}: {error.strerror or error}") from None


def _remove(path: Path) -> None:
    """Remove the file; of a symbolic link, keep the link and empty its target, since
    removing only the link would leave what it pointed at behind."""
    if path.is_symlink():
        _write(path, b"")
    else:
        path.unlink()


def profile_table(
    document: TOMLDocument, profile: str, *, create: Mapping[str, Any] | None = None
) -> Table | None:
    """The profile's table in `document`. With `create`, a missing one is added holding
    those keys (followed by a blank line, as a person would write it)."""
    import tomlkit

    profiles = document.get("profiles")
    if profiles is None:
        if create is None:
            return None
        profiles = tomlkit.table(is_super_table=True)
        document["profiles"] = profiles
    table = profiles.get(profile)
    if table is None and create is not None:
        table = tomlkit.table()
        for key, value in create.items():
            table[key] = value
        table.add(tomlkit.nl())
        profiles[profile] = table
    return table
