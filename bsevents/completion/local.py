"""Values a TAB may offer from local files: profiles, customers, event names.

Never the network, never the keyring, and nothing slow: the directories come from
`bsevents.state.dirs` (which does not import platformdirs on Linux and macOS), the settings
file is scanned with regular
expressions rather than parsed (tomllib costs ~17 ms), and the cache's `index.json` is
read with json. A missing, unreadable or malformed file offers nothing, silently.
"""

from __future__ import annotations

import os
import re

from bsevents.model.files import read_file
from bsevents.model.words import counted
from bsevents.state.dirs import user_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    Item = tuple[str, str | None]

INDEX_VERSION = 1
MAX_CUSTOMERS = 100  # a menu longer than this helps nobody; the index keeps the newest first
_MAX_FILE = 4 * 1024 * 1024


def config_file(env: Mapping[str, str] | None = None) -> str:
    """The settings file, as `bsevents.state.paths.config_file()`."""
    return os.path.join(user_dir("config", env), "config.toml")


def index_file(env: Mapping[str, str] | None = None) -> str:
    """The cache's index of customers and event names, `paths.cache_dir() / "index.json"`."""
    return os.path.join(user_dir("cache", env), "index.json")


def _read(path: str) -> bytes | None:
    try:
        data = read_file(path, _MAX_FILE + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= _MAX_FILE else None


class LocalSources:
    """Dynamic values from this user's files; each file is read at most once."""

    def __init__(self, env: Mapping[str, str] | None = None, now: float | None = None) -> None:
        self.env = os.environ if env is None else env
        self.now = now
        self._index: dict[str, object] | None = None

    def profiles(self) -> list[Item]:
        """Profile names (`default` always), described by region and which one is in use."""
        data = _read(config_file(self.env))
        text = data.decode("utf-8", "replace") if data is not None else ""
        return describe_profiles(text, self.env.get("BSEVENTS_PROFILE", "").strip())

    def customers(self) -> list[Item]:
        """Customers fetched before, most recent first, described by email and events."""
        now = self.now
        if now is None:
            import time

            now = time.time()
        return describe_customers(self.index().get("customers"), now)

    def emails(self) -> list[Item]:
        """Email addresses of customers seen before, described by their UUID."""
        return describe_emails(self.index().get("emails"))

    def event_names(self) -> list[str]:
        """Event names seen in stored responses."""
        return safe_event_names(self.index().get("event_names"))

    def index(self) -> dict[str, object]:
        if self._index is None:
            self._index = read_index(_read(index_file(self.env)))
        return self._index


# --- the settings file ---------------------------------------------------------------

# Patterns are compiled on first use (re caches them): a TAB needs only some of them.
# A profile name is a TOML table name, a keyring user name and part of messages (see
# bsevents.state.settings): names outside this pattern cannot be used, so they are not offered.
_PROFILE = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_KEY = r"""\s*("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+)\s*"""
_VALUE = r"""=\s*("[^"\\\n]*"|'[^'\n]*')"""


def _dotted_key(text: str, start: int = 0) -> tuple[list[str], int]:
    """The parts of the TOML dotted key at `text[start:]` and where it ends."""
    parts: list[str] = []
    position = start
    while True:
        match = re.compile(_KEY).match(text, position)
        if match is None:
            return parts, position
        raw = match.group(1)
        if raw[0] == '"':
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif raw[0] == "'":
            raw = raw[1:-1]
        parts.append(raw)
        position = match.end()
        if not text.startswith(".", position):
            return parts, position
        position += 1


def _string_value(text: str, position: int) -> str | None:
    match = re.compile(_VALUE).match(text, position)
    return match.group(1)[1:-1] if match else None


def describe_profiles(text: str, env_profile: str = "") -> list[Item]:
    """The profiles in settings-file `text`, in file order after `default`, each described
    by its region (when set) and whether it is the one in use."""
    names: list[str] = ["default"]
    regions: dict[str, str] = {}
    chosen: str | None = None
    section: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            if stripped.startswith("[["):
                section = ["[["]  # an array of tables: nothing of ours
                continue
            section, _ = _dotted_key(stripped, 1)
            if len(section) >= 2 and section[0] == "profiles" and section[1] not in names:
                names.append(section[1])
            continue
        key, end = _dotted_key(stripped)
        path = section + key
        if len(path) >= 2 and path[0] == "profiles":
            if path[1] not in names:
                names.append(path[1])
            if path[2:] == ["region"]:
                region = _string_value(stripped, end)
                if region is not None:
                    regions[path[1]] = region
        elif path == ["default_profile"]:
            chosen = _string_value(stripped, end)
    active = env_profile or chosen or "default"
    items: list[Item] = []
    for name in names:
        if not re.fullmatch(_PROFILE, name):
            continue
        notes = []
        if name in regions and re.fullmatch(_PROFILE, regions[name]):
            notes.append(f"region {regions[name]}")
        if name == active:
            notes.append("in use")
        items.append((name, ", ".join(notes) or None))
    return items


# --- the cache index -----------------------------------------------------------------

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Event names go onto the command line as typed words: offer only names a shell takes
# literally, with no quoting, globbing or expansion.
_EVENT_NAME = r"[\w.:@/+-]{1,128}"
_TIME = r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)"


def read_index(data: bytes | None) -> dict[str, object]:
    """The index as a dict; {} when it is missing, malformed or of another version."""
    if not data:
        return {}
    import json

    try:
        index = json.loads(data)
    except ValueError:  # also UnicodeDecodeError
        return {}
    if not isinstance(index, dict) or index.get("version") != INDEX_VERSION:
        return {}
    return index


def describe_customers(entries: object, now: float) -> list[Item]:
    """(uuid, description) for each well-formed entry, in index order (newest first)."""
    if not isinstance(entries, list):
        return []
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        uuid = entry.get("uuid")
        if not isinstance(uuid, str) or not re.fullmatch(_UUID, uuid.lower()):
            continue
        uuid = uuid.lower()
        if uuid in seen:
            continue
        seen.add(uuid)
        notes = []
        email = entry.get("email")
        if isinstance(email, str) and email.strip():
            # Emails come from Blueshift, i.e. from whoever filled in a form.
            text = _printable(" ".join(email.split()))
            notes.append(text if len(text) <= 60 else text[:59] + "…")
        count = entry.get("events")
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            notes.append(counted(count, "event"))
        age = _age(entry.get("fetched_at"), now)
        if age:
            notes.append(age)
        items.append((uuid, " · ".join(notes) or None))
        if len(items) >= MAX_CUSTOMERS:
            break
    return items


def describe_emails(entries: object) -> list[Item]:
    """(email, uuid) for each address looked up with --email, newest first."""
    if not isinstance(entries, list):
        return []
    items: dict[str, str | None] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        email, uuid = entry.get("email"), entry.get("uuid")
        # Offered as a word on the command line: printable, no whitespace, one "@".
        if (
            isinstance(email, str)
            and email.isprintable()
            and email.count("@") == 1
            and not any(c.isspace() for c in email)
            and len(email) <= 254
        ):
            items.setdefault(email, uuid if isinstance(uuid, str) else None)
        if len(items) >= MAX_CUSTOMERS:
            break
    return list(items.items())


def _printable(text: str) -> str:
    """`text` safe to show on a terminal (a shell prints descriptions as they are)."""
    if text.isprintable():  # the usual case, without importing the sanitiser's patterns
        return text
    from bsevents.model.sanitize import clean

    return clean(text)


def safe_event_names(names: object) -> list[str]:
    """The event names a shell can take as they are, without duplicates, in index order."""
    if not isinstance(names, list):
        return []
    seen: dict[str, None] = {}
    for name in names:
        if isinstance(name, str) and re.fullmatch(_EVENT_NAME, name):
            seen.setdefault(name, None)
    return list(seen)


def _age(stamp: object, now: float) -> str:
    """'fetched 5 min ago' for an ISO-8601 UTC time (datetime costs 2 ms to import)."""
    if not isinstance(stamp, str):
        return ""
    match = re.match(_TIME, stamp)
    if match is None:
        return ""
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    seconds = now - (
        _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    )
    if seconds < 0:
        return ""
    if seconds < 60:
        return "fetched just now"
    if seconds < 3600:
        return f"fetched {int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"fetched {int(seconds // 3600)} h ago"
    if seconds < 60 * 86400:
        return f"fetched {int(seconds // 86400)} d ago"
    return f"fetched {stamp[:10]}"


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468
