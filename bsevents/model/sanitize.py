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


def echoed(text: str, limit: int = 60) -> str:
    """User input (or event text) quoted in a message: safe for a terminal and at most
    `limit` characters."""
    return shorten(clean(text), limit)


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


# --- secrets in URLs -------------------------------------------------------------------

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# A user name as RFC 3986 allows it unencoded: anything else before the colon may be part
# of a password someone forgot to percent-encode, and is masked with it.
_USER_RE = re.compile(r"[A-Za-z0-9._~%!$&()*+,;=-]*")
# To the end: a password with `&` or `#` in it would otherwise be shown from there on.
_QUERY_PASSWORD_RE = re.compile(r"(?i)(password=)(.*)", re.DOTALL)
MASK = "***"


def _url_parts(text: str) -> tuple[str, str, str, str]:
    """(up to `://`, the user name kept, the secret, from `@` on) of a URL or what was
    meant as one; the secret is "" when there is no user info."""
    found = _SCHEME_RE.search(text)
    head, rest = (text[: found.end()], text[found.end() :]) if found else ("", text)
    # `unix:///path@x` has no authority at all, so an `@` after it is in the path.
    if "@" not in rest or rest.startswith("/"):
        return head, "", "", rest
    userinfo, _, host = rest.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if colon and _USER_RE.fullmatch(user):
        return head, f"{user}:", password, f"@{host}"
    return head, "", userinfo, f"@{host}"


def mask_url(text: str) -> str:
    """`text`, a URL or anything meant as one, with what could be its password replaced by
    `***`: the user info (all but a plain user name) and a `password=` query value.

    It works on text that does not parse as a URL, and errs towards hiding: everything up
    to the last `@` counts as user info, and everything after `password=`, so a password
    holding `/`, `?`, `#`, `@`, `&` or a space, which breaks URL parsing, is masked all
    the same. Mask a value before quoting
    it; never quote a URL unmasked."""
    head, user, secret, rest = _url_parts(text)
    if secret or user:
        rest = f"{user}{MASK}{rest}"
    return head + _QUERY_PASSWORD_RE.sub(rf"\g<1>{MASK}", rest)


def url_secrets(text: str) -> list[str]:
    """The pieces of `text` that mask_url hides, as written and percent-decoded: for
    scrubbing them from messages that quote them in other forms (a library's error)."""
    from urllib.parse import unquote

    _, _, secret, rest = _url_parts(text)
    pieces = [secret, *(match.group(2) for match in _QUERY_PASSWORD_RE.finditer(rest))]
    found = {form for piece in pieces for form in (piece, unquote(piece)) if piece}
    return sorted(found, key=len, reverse=True)  # the longest first, so none is left half
