"""Making untrusted text safe to show on a terminal.

Event values are written by visitors' browsers and site code. Before any of it reaches
a terminal, control characters and bidirectional overrides become visible placeholders,
so an event can neither move the cursor, retitle the window, ring the bell, nor reorder
what the reader sees. (Rich markup is a separate risk: renderers pass event text to rich
only as `Text` objects, never as markup strings.)
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls (0x9b is a one-byte CSI on some terminals), the
# bidirectional embeddings, overrides and isolates, the marks that steer them, and the
# Unicode line and paragraph separators that some terminals treat as newlines.
# ... and the invisible ones (zero-width space, word joiner, BOM): `purchase` followed by
# one of them looks like `purchase` and is not. The zero-width (non-)joiners U+200C and
# U+200D stay: Persian and Indic text and emoji sequences need them.
# ... and lone surrogates, which JSON's \udXXXX escapes can put into a string but no
# UTF-8 stream can carry (writing one raises), and the noncharacters of the first plane,
# which are never text. (Those of the other planes, U+1FFFE and so on, stay: any one code
# point past U+FFFF in this class makes every search ten times slower, and they neither
# act on a terminal nor break UTF-8.)
_NON_C0 = (
    "\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u2028\u2029\ufeff"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
)
UNSAFE_RE = re.compile(f"[\x00-\x1f{_NON_C0}]")
# json.dumps already escapes C0 controls inside strings, so in JSON text they are only
# the layout's own whitespace; the rest it leaves raw when ensure_ascii is off.
_JSON_UNSAFE_RE = re.compile(f"[{_NON_C0}]")


def _placeholder(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␇ for BEL, ...
    if code == 0x7F:
        return "\u2421"  # ␡
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every unsafe character replaced by a visible placeholder."""
    if UNSAFE_RE.search(text) is None:
        return text
    return UNSAFE_RE.sub(lambda match: _placeholder(match.group()), text)


def shorten(text: str, width: int) -> str:
    """Cut `text` to at most `width` characters, marking the cut with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"


def escape_json_text(json_text: str) -> str:
    """Escape unsafe characters inside JSON text as \\uXXXX.

    In JSON these characters can only occur inside strings, where the escape means the
    same character: the data is unchanged, but a terminal showing it is safe, and a lone
    surrogate becomes ASCII that any UTF-8 stream can carry (Python's json and jq 1.7
    read it; jq 1.6 refuses a lone high surrogate, which no writer can avoid but by
    changing the data).
    """
    if _JSON_UNSAFE_RE.search(json_text) is None:
        return json_text
    return _JSON_UNSAFE_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)
