"""Stored responses: every good answer is kept, per account and customer, so that
re-viewing and re-filtering cost no call. Also the small index that shell completion
reads (customers fetched before, event names seen).

Files are written atomically (a reader sees the old file or the new one); errors are
never stored, so a failed call never replaces a good response. The store is a convenience:
when it cannot be read or written (a full disk, a read-only directory) the command goes on
with a warning, and a paid answer is still shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from bsevents.model.customer import UUID_RE
from bsevents.model.events import Event, check_events, event_key, load_json
from bsevents.model.files import NotAFile, read_file
from bsevents.model.times import iso_utc
from bsevents.state.paths import (
    cache_dir,
    describe_os_error,
    ensure_private_dir,
    set_aside,
    write_private_atomic,
)

FORMAT = 1
INDEX_LIMIT = 200  # customers remembered for completion
LATEST_TIME = 32_503_680_000.0  # 3000-01-01: a stored time past this is damage


def store_name(account: str, base_url: str) -> str:
    """`us-1a2b3c4d5e6f@0a1b2c3d`: the directory of one account at one API base URL, so a
    response fetched from a stand-in (--base-url) is never shown for the real API."""
    return f"{account}@{url_digest(base_url)[:8]}"


def url_digest(base_url: str) -> str:
    """A base URL as a name part: the same URL, with or without a final slash, one name."""
    return hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """A stored response and what was new in it when it was fetched."""

    uuid: str
    events: list[Event]  # as received, not sorted
    fetched_at: float
    region: str
    new_keys: frozenset[str]  # events not in the response this one replaced
    previous_fetched_at: float | None  # when the replaced response was fetched


class Cache:
    """Stored responses of one account (region plus key fingerprint) at one base URL.
    Problems are reported through `warn`, one line each; none of them is raised."""

    def __init__(
        self,
        account: str,
        base_url: str,
        root: Path | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root or cache_dir()
        self.name = store_name(account, base_url)
        self._warn = warn or _ignore

    def path(self, uuid: str) -> Path:
        # Only a checked UUID may name a file: a server's text must never pick a path.
        if not UUID_RE.match(uuid) or uuid != uuid.lower():
            raise ValueError(f"not a customer UUID: {uuid!r}")
        return self.root / "responses" / self.name / f"{uuid}.json"

    def load(self, uuid: str) -> Stored | None:
        """The stored response for a customer, or None. A damaged entry is moved aside."""
        path = self.path(uuid)
        try:
            return _decode(read_file(path), uuid)
        except (FileNotFoundError, NotADirectoryError):
            return None  # nothing stored (a file where a directory should be says so too)
        except NotAFile as error:  # a FIFO or a folder in its place: set aside as damage
            why = describe_os_error(error)
        except OSError as error:
            self._warn(f"stored responses cannot be read ({describe_os_error(error)})")
            return None
        except (ValueError, KeyError, TypeError) as exc:
            why = type(exc).__name__
        try:
            kept = f"is kept as {set_aside(path)}"
        except OSError as error:
            kept = f"could not be set aside ({describe_os_error(error)})"
        self._warn(f"a stored response was unreadable ({why}) and {kept}")
        return None

    def store(
        self,
        uuid: str,
        body: bytes,
        events: Sequence[Event],
        *,
        fetched_at: float,
        region: str,
    ) -> Stored:
        """Keep a good response (the body exactly as received), marking which events are
        new since the response it replaces. When it cannot be written, say so once: the
        caller shows the events all the same."""
        previous = self.load(uuid)
        if previous is None:
            new_keys: frozenset[str] = frozenset()
            previous_at = None
        else:
            old = {event_key(e) for e in previous.events}
            new_keys = frozenset(k for k in map(event_key, events) if k not in old)
            previous_at = previous.fetched_at
        meta = {
            "format": FORMAT,
            "uuid": uuid,
            "fetched_at": fetched_at,
            "region": region,
            "previous_fetched_at": previous_at,
            "new": sorted(new_keys),
        }
        # The body goes in verbatim: it was checked to be a JSON array of objects, and
        # keeping its bytes keeps the objects exactly as Blueshift sent them.
        head = json.dumps(meta, ensure_ascii=False)[:-1]
        data = head.encode() + b', "events": ' + body.strip() + b"}\n"
        try:
            write_private_atomic(self.path(uuid), data)
            update_index(self.root, uuid, events, fetched_at=fetched_at, region=region)
        except OSError as error:
            self._warn(
                f"the response could not be stored ({describe_os_error(error)}); it is shown "
                "but not kept"
            )
        return Stored(uuid, list(events), fetched_at, region, new_keys, previous_at)


def _ignore(_: str) -> None:
    return None


def checked_time(value: Any) -> float:
    """A stored time, checked: a number between 1970 and 3000, else the entry is damaged."""
    number = float(value)
    if not (math.isfinite(number) and 0 <= number < LATEST_TIME):
        raise ValueError(f"implausible time {number}")
    return number


def _decode(raw: bytes, uuid: str) -> Stored:
    data = load_json(raw)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("uuid") != uuid:
        raise ValueError("not a bsevents cache entry")
    events = check_events(data["events"])
    previous = data.get("previous_fetched_at")
    return Stored(
        uuid,
        events,
        checked_time(data["fetched_at"]),
        str(data["region"]),
        frozenset(str(k) for k in data.get("new", [])),
        checked_time(previous) if previous is not None else None,
    )


def find_any(uuid: str, region: str, base_url: str, root: Path | None = None) -> Stored | None:
    """The newest stored response for a customer in a region at a base URL, under any
    account: for `--offline` when no key is at hand."""
    base = (root or cache_dir()) / "responses"
    best: Stored | None = None
    url_part = store_name("", base_url)  # "@<digest>"
    for path in base.glob(f"{region}-*{url_part}/{uuid}.json"):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            stored = _decode(read_file(path), uuid)
            if best is None or stored.fetched_at > best.fetched_at:
                best = stored
    return best


# -- the completion index -------------------------------------------------------------


def index_path(root: Path | None = None) -> Path:
    return (root or cache_dir()) / "index.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between bsevents processes updating the same file."""
    ensure_private_dir(path.parent)
    try:
        import fcntl
    except ImportError:  # Windows: last writer wins, the index is only a convenience
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_index(root: Path | None = None) -> dict[str, Any]:
    """The index, or an empty one when missing or unreadable."""
    try:
        data = json.loads(read_file(index_path(root)))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("version") != 1:
        return {"version": 1, "customers": [], "event_names": [], "emails": []}
    return data


def _plain_word(value: Any, limit: int = 64) -> TypeGuard[str]:
    """Safe to offer as a shell completion: printable, no whitespace, not too long.
    Event names and emails come from visitors' browsers."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= limit
        and value.isprintable()
        and not any(c.isspace() for c in value)
    )


def _first_email(events: Sequence[Event]) -> str | None:
    for event in events:
        email = event.get("email")
        if _plain_word(email, 254) and "@" in email:
            return email
    return None


@dataclass
class _Index:
    """The index's contents, normalised, while they are being changed."""

    customers: list[dict[str, Any]]
    event_names: set[str]
    emails: list[dict[str, Any]]  # addresses looked up with --email, newest first


@contextlib.contextmanager
def _changing_index(root: Path | None) -> Iterator[_Index]:
    """The index, to change in place; written back atomically, under a lock, when the
    block ends without an error."""
    path = index_path(root)
    with _locked(path):
        data = read_index(root)
        index = _Index(
            [c for c in data.get("customers", []) if isinstance(c, dict)],
            {n for n in data.get("event_names", []) if isinstance(n, str)},
            [e for e in data.get("emails", []) if isinstance(e, dict)],
        )
        yield index
        document = {
            "version": 1,
            "customers": index.customers[:INDEX_LIMIT],
            "event_names": sorted(index.event_names),
            "emails": index.emails[:INDEX_LIMIT],
        }
        write_private_atomic(path, json.dumps(document, ensure_ascii=False, indent=1).encode())


def update_index(
    root: Path, uuid: str, events: Sequence[Event], *, fetched_at: float, region: str
) -> None:
    """Record a fetched customer (most recent first) and the event names seen."""
    with _changing_index(root) as index:
        old = next((c for c in index.customers if c.get("uuid") == uuid), {})
        index.customers[:] = [c for c in index.customers if c.get("uuid") != uuid]
        looked_up = next((e.get("email") for e in index.emails if e.get("uuid") == uuid), None)
        index.customers.insert(
            0,
            {
                "uuid": uuid,
                # An address the user looked up beats one a visitor's browser wrote.
                "email": looked_up or _first_email(events) or old.get("email"),
                "events": len(events),
                "fetched_at": iso_utc(fetched_at),
                "region": region,
            },
        )
        index.event_names.update(e["event"] for e in events if _plain_word(e.get("event")))


def remember_email(email: str, uuid: str, *, region: str, root: Path | None = None) -> None:
    """Record which customer an email address resolved to (for --offline and completion).
    Kept apart from the customers' event data, which any visitor can write."""
    with _changing_index(root) as index:
        wanted = email.lower()
        index.emails[:] = [
            {"email": email, "uuid": uuid, "region": region},
            *(e for e in index.emails if str(e.get("email", "")).lower() != wanted),
        ]
        old = next((c for c in index.customers if c.get("uuid") == uuid), None)
        if old is not None:
            old["email"] = email
        else:
            index.customers.insert(
                0,
                {
                    "uuid": uuid,
                    "email": email,
                    "events": None,
                    "fetched_at": None,
                    "region": region,
                },
            )


def known_email(email: str, root: Path | None = None) -> str | None:
    """The customer UUID an email address resolved to when it was looked up, if any."""
    wanted = email.lower()
    for entry in read_index(root).get("emails", []):
        if isinstance(entry, dict) and str(entry.get("email", "")).lower() == wanted:
            uuid = entry.get("uuid")
            return uuid if isinstance(uuid, str) else None
    return None
