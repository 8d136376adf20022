"""The small index that shell completion reads: customers fetched before (with the email
they were looked up by), and the event names seen.

It is a convenience, so nothing waits on it for long and nothing fails because of it: it
is changed under the same bounded lock as every other file bsevents rewrites, and when
it cannot be changed (a lock held too long, a full disk, Ctrl-C) the command says so in
one line and goes on; a paid answer is shown all the same.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from bsevents.errors import BseventsError
from bsevents.model.events import Event
from bsevents.model.files import read_file
from bsevents.model.report import SILENT, Reporter
from bsevents.model.times import iso_utc
from bsevents.state.cache.stored import Answer
from bsevents.state.filelock import SHORT_WAIT_SECONDS, locked
from bsevents.state.paths import (
    cache_dir,
    describe_os_error,
    ensure_private_dir,
    write_private_atomic,
)

INDEX_LIMIT = 200  # customers remembered for completion


@contextlib.contextmanager
def _unless_stuck(report: Reporter) -> Iterator[None]:
    """Run a change of the index; when it cannot be made, say so instead of failing."""
    try:
        yield
    except OSError as error:
        report.warn(f"the completion index was not updated ({describe_os_error(error)})")
    except BseventsError as error:  # the lock was held too long
        report.warn(f"the completion index was not updated: {error.message}")
    except KeyboardInterrupt:
        report.warn("the completion index was not updated: interrupted")


def index_path(root: Path | None = None) -> Path:
    return (root or cache_dir()) / "index.json"


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
    ensure_private_dir(path.parent)
    with locked(path.with_name(path.name + ".lock"), path, wait=SHORT_WAIT_SECONDS):
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


def update_index(root: Path, answer: Answer, *, report: Reporter = SILENT) -> None:
    """Record a fetched customer (most recent first) and the event names seen."""
    uuid, events = answer.uuid, answer.events
    with _unless_stuck(report), _changing_index(root) as index:
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
                "fetched_at": iso_utc(answer.fetched_at),
                "region": answer.region,
            },
        )
        index.event_names.update(e["event"] for e in events if _plain_word(e.get("event")))


def remember_email(
    email: str, uuid: str, *, region: str, root: Path | None = None, report: Reporter = SILENT
) -> None:
    """Record which customer an email address resolved to (for --offline and completion).
    Kept apart from the customers' event data, which any visitor can write."""
    with _unless_stuck(report), _changing_index(root) as index:
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
