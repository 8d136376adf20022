"""Stored responses in local files: every good answer is kept, per account and customer,
so that re-viewing and re-filtering cost no call.

Files are written atomically (a reader sees the old file or the new one); errors are
never stored, so a failed call never replaces a good response. The store is a convenience:
when it cannot be read or written (a full disk, a read-only directory, a held lock) the
command goes on with a warning, and a paid answer is still shown.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from bsevents.model.customer import UUID_RE
from bsevents.model.files import NotAFile, read_file
from bsevents.model.json_text import describe_json_error
from bsevents.model.report import SILENT, Reporter
from bsevents.state.cache.index import update_index
from bsevents.state.cache.stored import (
    Answer,
    Stored,
    decode_entry,
    encode_entry,
    new_since,
    store_name,
)
from bsevents.state.paths import cache_dir, describe_os_error, set_aside, write_private_atomic


class LocalCache:
    """Stored responses of one account (region plus key fingerprint) at one base URL, in
    files (a `Cache`). Problems are reported through `report`, one line each."""

    def __init__(
        self, account: str, base_url: str, root: Path | None = None, report: Reporter = SILENT
    ) -> None:
        self.root = root or cache_dir()
        self.name = store_name(account, base_url)
        self._report = report

    def path(self, uuid: str) -> Path:
        # Only a checked UUID may name a file: a server's text must never pick a path.
        if not UUID_RE.match(uuid) or uuid != uuid.lower():
            raise ValueError(f"not a customer UUID: {uuid!r}")
        return self.root / "responses" / self.name / f"{uuid}.json"

    def load(self, uuid: str) -> Stored | None:
        """The stored response for a customer, or None. A damaged entry (or a FIFO or a
        folder in its place) is moved aside."""
        path = self.path(uuid)
        try:
            return decode_entry(read_file(path), uuid)
        except (FileNotFoundError, NotADirectoryError):
            return None  # nothing stored (a file where a directory should be says so too)
        except NotAFile as error:
            why = describe_os_error(error)
        except OSError as error:
            self._report.warn(f"stored responses cannot be read ({describe_os_error(error)})")
            return None
        except (ValueError, KeyError, TypeError) as exc:
            # Not JSON, or JSON of another shape: the parser's reason, or the kind of fault.
            why = describe_json_error(exc) if isinstance(exc, ValueError) else type(exc).__name__
        try:
            kept = f"is kept as {set_aside(path)}"
        except OSError as error:
            kept = f"could not be set aside ({describe_os_error(error)})"
        self._report.warn(f"a stored response was unreadable ({why}) and {kept}")
        return None

    def store(self, answer: Answer, previous: Stored | None) -> Stored:
        """Keep a good response (the body exactly as received). When it cannot be
        written, say so once: the caller shows the events all the same."""
        previous_at = previous.fetched_at if previous is not None else None
        events, uuid = answer.events, answer.uuid
        stored = Stored(
            uuid,
            list(events),
            answer.fetched_at,
            answer.region,
            new_since(previous, events),
            previous_at,
        )
        try:
            write_private_atomic(self.path(uuid), encode_entry(stored, answer.body))
        except OSError as error:
            self._report.warn(
                f"the response could not be stored ({describe_os_error(error)}); it is shown "
                "but not kept"
            )
            return stored
        update_index(self.root, answer, report=self._report)
        return stored


def find_any(uuid: str, region: str, base_url: str, root: Path | None = None) -> Stored | None:
    """The newest stored response for a customer in a region at a base URL, under any
    account: for `--offline` when no key is at hand."""
    base = (root or cache_dir()) / "responses"
    best: Stored | None = None
    url_part = store_name("", base_url)  # "@<digest>"
    for path in base.glob(f"{region}-*{url_part}/{uuid}.json"):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            stored = decode_entry(read_file(path), uuid)
            if best is None or stored.fetched_at > best.fetched_at:
                best = stored
    return best
