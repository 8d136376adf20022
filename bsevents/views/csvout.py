"""CSV output: one row per event under a header whose column order is stable.

The columns are every documented field in STANDARD_FIELDS order (present or not, so a
script can rely on positions), then the custom keys found in the events, sorted; or the
paths given with `--fields`. Nested values are written as compact JSON text, null as an
empty cell. No rich here.

CSV is for spreadsheets and quick reading, so unlike JSON it cannot escape without
changing the data: control characters and bidirectional overrides become the same
visible placeholders as in the table (use JSON for the exact values).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from bsevents.model.events import STANDARD_FIELDS, Event, custom_fields
from bsevents.model.fields import field_value
from bsevents.model.sanitize import clean
from bsevents.views.jsonout import dump_event

_ROWS_PER_CHUNK = 2000


def csv_columns(events: Sequence[Event]) -> list[str]:
    """The standard fields, then the custom keys of all events, sorted."""
    custom: set[str] = set()
    for event in events:
        custom.update(custom_fields(event))
    return [*STANDARD_FIELDS, *sorted(custom)]


def csv_value(value: Any) -> str:
    """A cell: strings as they are (made visible), null empty, the rest as JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    return clean(dump_event(value))


def csv_chunks(events: Sequence[Event], fields: Sequence[str] | None = None) -> Iterator[str]:
    """The CSV text in pieces, header first. Lines end with `\\n`."""
    columns = list(fields) if fields else csv_columns(events)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([clean(c) for c in columns])
    dotted = bool(fields)
    for index, event in enumerate(events, 1):
        if dotted:
            writer.writerow([csv_value(field_value(event, c)) for c in columns])
        else:
            writer.writerow([csv_value(event.get(c)) for c in columns])
        if index % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
