"""How counts and lists read in a message: `1 event`, `3 events`, `a, b and c`, `an event`.

One place, so that no message says `1 other customer(s)` or `1 polls`."""

from __future__ import annotations


def counted(count: int, word: str, plural: str | None = None) -> str:
    """`1 event`, `2 events`, `1,204 events`; `plural` for a word not made with `s`."""
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {plural if plural is not None else word + 's'}"


def and_list(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def with_article(what: str) -> str:
    """`a purchase event`, `an event 3766f1…`; a phrase that starts with a count
    (`3 sent events`) as it is."""
    if what[:1].isdigit():
        return what
    return f"an {what}" if what[:1] in ("a", "e", "i", "o", "u") else f"a {what}"
