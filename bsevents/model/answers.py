"""What an HTTP answer's body says went wrong, in a line: Blueshift's `message`, `error`
or `errors`, an HTML page's title (a proxy's error page), else its first words. Pure:
the API client quotes it for an answer it gets, the HAR reader for one a capture holds.
"""

from __future__ import annotations

import contextlib
import json
import re
from html import unescape
from typing import Any

from bsevents.model.json_text import too_deep
from bsevents.model.sanitize import clean, shorten

# For the small JSON answers read whole: deeper than any real one, and far below where a
# recursive walk over them would raise RecursionError.
MAX_JSON_DEPTH = 64

_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")


def describe_body(body: bytes, content_type: str = "") -> str:
    """A one-line summary of an error body: Blueshift's `message` or `errors`, the title of
    an HTML page, or the start of the text. Empty when there is nothing to say."""
    if not body.strip():
        return ""
    data = None
    if not too_deep(body, MAX_JSON_DEPTH):  # a body nested 1,000 deep must not hide the status
        with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
            data = json.loads(body)
    text = ""
    if isinstance(data, dict):
        text = _json_error_text(data)
    elif b"<" in body[:512] and (b"html" in body[:2048].lower() or "html" in content_type):
        match = _TITLE_RE.search(body)
        raw = match.group(1) if match else body[:2048]
        page = " ".join(_TAG_RE.sub(" ", unescape(raw.decode("utf-8", "replace"))).split())
        text = f"HTML page: {page}" if page else "an HTML page"
    if not text:
        text = " ".join(body[:300].decode("utf-8", "replace").split())
    return shorten(clean(text), 200)


def _json_error_text(data: dict[str, Any]) -> str:
    for key in ("message", "error", "errors"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and value:
            parts = []
            for field, problems in value.items():
                detail = ", ".join(map(str, problems)) if isinstance(problems, list) else problems
                parts.append(f"{field}: {detail}")
            return "; ".join(parts)
        if isinstance(value, list) and value:
            return "; ".join(map(str, value))
    return ""
