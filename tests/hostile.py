"""A show_events response written by an attacker: every string is a terminal trick.

Event values come from visitors' browsers and site code, so each field an attacker can
reach carries control sequences (ESC, OSC 8 links, OSC 52 clipboard writes, window
titles), BEL, backspace, CR, the one-byte CSI 0x9b, bidirectional overrides and
isolates, rich markup, wide characters and megabyte strings.
"""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import CUSTOMER

ESC = "\x1b"
# Sequences the data carries; none may reach any output raw.
CLEAR_SCREEN = f"{ESC}[2J{ESC}[H"
CURSOR_UP = f"{ESC}[10A"
RED_BLINK = f"{ESC}[31;5;7m"  # an SGR that rich never emits
TITLE = f"{ESC}]0;pwned title\x07"
OSC8 = f"{ESC}]8;;https://evil.example/{ESC}\\click me{ESC}]8;;{ESC}\\"
OSC52 = f"{ESC}]52;c;ZWNobyBwd25lZA==\x07"
BACKSPACES = "rm -rf\x08\x08\x08\x08\x08\x08safe"
CR_SPOOF = "innocent\rSPOOFED"
C1_CSI = "\x9b31mC1-red"
C1_OSC = "\x9d0;c1 title\x9c"
BIDI = "\u202ag\u202bn\u202cp\u202de\u202egnp.exe\u2066a\u2067b\u2068c\u2069"
MARKS = "\u200e\u200f\u061c"
NUL_DEL = "nul\x00del\x7f"
MARKUP = "[bold red]alarm[/bold red] [link=https://evil.example]click[/link] [/]"
WIDE = "日本語テキスト🎉"
HUGE = "A" * 1_000_000

EVERYTHING = "".join(
    [
        CLEAR_SCREEN,
        CURSOR_UP,
        RED_BLINK,
        TITLE,
        OSC8,
        OSC52,
        BACKSPACES,
        CR_SPOOF,
        C1_CSI,
        C1_OSC,
        BIDI,
        MARKS,
        NUL_DEL,
        MARKUP,
        WIDE,
        "\n\t\v\f",
    ]
)

HOSTILE_UUID = "deadbeef-0000-4000-8000-000000000001"
# Raw characters that must never appear in output from the data.
FORBIDDEN_CHARS = (
    ["\x07", "\x08", "\x00", "\x7f", "\x0b", "\x0c"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
# What rich itself writes: SGR styles (the only escape allowed in our output).
RICH_SGR_RE = re.compile(r"\x1b\[[0-9;]*m")


def hostile_events() -> list[dict[str, Any]]:
    """Four events: one with every trick in every reachable field, one with a 1 MB
    string, one with hostile keys, one whose time is itself hostile."""
    base: dict[str, Any] = {
        "_bsft_doc_type": "events",
        "user_uuid": CUSTOMER,
    }
    return [
        {
            **base,
            "event": "purchase" + EVERYTHING,
            "event_uuid": HOSTILE_UUID,
            "timestamp": "2026-11-24T19:02:11Z",
            "session_uuid": EVERYTHING,
            "url": "https://shop.example.com/" + EVERYTHING,
            "browser_type": EVERYTHING,
            "browser_version": EVERYTHING,
            "browser_platform": EVERYTHING,
            "email": EVERYTHING,
            "order_id": EVERYTHING,
            "revenue": EVERYTHING,
            "products": [{"product_id": EVERYTHING, "sku": EVERYTHING}],
            "note": EVERYTHING,
        },
        {
            **base,
            "event": "pageload",
            "event_uuid": "deadbeef-0000-4000-8000-000000000002",
            "timestamp": "2026-11-24T19:03:00Z",
            "session_uuid": "s1",
            "url": "https://shop.example.com/" + HUGE,
            "huge": HUGE + EVERYTHING,
        },
        {
            **base,
            "event": "custom" + MARKUP,
            "event_uuid": "deadbeef-0000-4000-8000-000000000003",
            "timestamp": "2026-11-24T19:04:00Z",
            EVERYTHING: EVERYTHING,
            "nested": {EVERYTHING: [EVERYTHING, {"deep": EVERYTHING}]},
            "search_term": EVERYTHING,
        },
        {
            **base,
            "event": "search",
            "event_uuid": "deadbeef-0000-4000-8000-000000000004",
            "timestamp": "2026-11-24T19:05:00Z" + EVERYTHING,
            "search_term": EVERYTHING,
        },
    ]


def assert_safe(output: str) -> None:
    """Fail when anything from the data reached `output` as a control sequence.

    Only rich's own SGR styling may remain; the data's sequences must have been turned
    into visible placeholders. (A pseudo-terminal turns every newline into CR LF, so
    CR LF counts as a newline here; a lone CR does not.)"""
    text = output.replace("\r\n", "\n")
    for raw in (CLEAR_SCREEN, CURSOR_UP, RED_BLINK, TITLE, OSC8, OSC52, C1_CSI, CR_SPOOF):
        assert raw not in text, f"raw sequence {raw!r} reached the output"
    stripped = RICH_SGR_RE.sub("", text)
    assert "\x1b" not in stripped, _context(stripped, "\x1b")
    assert "\r" not in stripped, _context(stripped, "\r")
    for char in FORBIDDEN_CHARS:
        assert char not in stripped, _context(stripped, char)


def _context(text: str, char: str) -> str:
    at = text.index(char)
    return f"{char!r} in output near {text[max(0, at - 60) : at + 60]!r}"
