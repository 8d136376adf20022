"""Event ids as people see them: the `event_uuid` as `--show` matches it, and the
shortest prefix that names one event_uuid in a response, as git abbreviates hashes.

An event_uuid is an opaque string: pipelines send UUIDs, but also ids such as
`34abcd-efghijkj-1234kf`, and a number now and then. Nothing here assumes a shape.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

# The Id column never shows less than this (as git shows at least 7): short enough to
# read, long enough that a prefix typed from it rarely stops being unique later.
SHORTEST = 8


def uuid_of(event: dict[str, Any]) -> str:
    """The event's `event_uuid` as `--show` matches it, lower-cased: a string as it is,
    a number (or any other value) as its JSON text, as the table's Id column shows it."""
    value = event.get("event_uuid")
    if isinstance(value, str):
        return value.lower()
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False).lower()
    except (TypeError, ValueError, RecursionError):
        return ""


def shown_uuid(event: dict[str, Any]) -> str:
    """The event's `event_uuid` as sent, as text: a string as it is, any other value as
    its JSON text (what uuid_of lower-cases)."""
    value = event.get("event_uuid")
    if isinstance(value, str):
        return value
    return uuid_of(event)


def copy_key(event: dict[str, Any], uuid: str | None = None) -> tuple[str, str] | None:
    """What makes events copies of one event, sent twice: the same event_uuid (as uuid_of
    gives it; pass it when known) and the same name. Events that share an event_uuid but
    not a name are different events, shown and counted each. None without an id."""
    uuid = uuid_of(event) if uuid is None else uuid
    if not uuid:
        return None
    name = event.get("event")
    return uuid, name if isinstance(name, str) else repr(name)


class ShortIds:
    """The Id column of a response: for each event, the shortest prefix (at least
    SHORTEST characters) that no other event_uuid of the response starts with, and how
    many events share its event_uuid (2 for a double send).

    Made from how many events have each uuid_of (`ShortIds.of(events)` counts them);
    one slice per distinct id, and the longer prefixes are worked out only for the ids
    that need them, when asked."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts
        heads = Counter(uuid[:SHORTEST] for uuid in counts if uuid)
        self._crowded = {head for head, n in heads.items() if n > 1}
        self._groups: dict[str, list[str]] | None = None

    @classmethod
    def of(cls, events: Iterable[dict[str, Any]]) -> ShortIds:
        counts = Counter(uuid_of(e) for e in events)
        counts.pop("", None)
        return cls(counts)

    def count(self, shown: str) -> int:
        """How many events of the response have the event_uuid `shown` (as shown_uuid
        gives it; 0: none)."""
        return self.counts.get(shown.lower(), 0)

    def length(self, uuid: str) -> int:
        """Characters of the lower-cased `uuid` that tell it from every other one."""
        if uuid[:SHORTEST] not in self._crowded:
            return min(len(uuid), SHORTEST)
        group = self._group(uuid[:SHORTEST])
        at = bisect_left(group, uuid)
        common = max(
            (_common(uuid, group[i]) for i in (at - 1, at + 1) if 0 <= i < len(group)),
            default=0,
        )
        return min(len(uuid), max(SHORTEST, common + 1))

    def short(self, shown: str) -> str:
        """The event_uuid `shown` (as shown_uuid gives it) as the Id column shows it: its
        unique prefix, letter case kept; "" for none."""
        uuid = shown.lower()
        if not uuid:
            return ""
        size = self.length(uuid)
        # Lower-casing can change a string's length (`İ`): then the lower-cased id shows.
        return (shown if len(shown) == len(uuid) else uuid)[:size]

    def _group(self, head: str) -> list[str]:
        if self._groups is None:
            groups: dict[str, list[str]] = {}
            for uuid in self.counts:
                if uuid and uuid[:SHORTEST] in self._crowded:
                    groups.setdefault(uuid[:SHORTEST], []).append(uuid)
            for members in groups.values():
                members.sort()
            self._groups = groups
        return self._groups[head]


def _common(first: str, second: str) -> int:
    """The length of the prefix two strings share."""
    size = min(len(first), len(second))
    for i in range(size):
        if first[i] != second[i]:
            return i
    return size
