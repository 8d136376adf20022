"""What a person wants to see of one event in one line. Plain text, no rich."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from bsevents.model.events import Event, custom_fields
from bsevents.model.json_text import encode_json

KINDS: dict[str, frozenset[str]] = {
    "identity": frozenset({"identify", "login", "logout", "signed_up", "signup", "register"}),
    "page": frozenset({"pageload", "page_view", "view", "search"}),
    "commerce": frozenset(
        {"add_to_cart", "remove_from_cart", "checkout", "purchase", "wishlist", "refund"}
    ),
}
# The parameters that tell one event of a kind from another, shown first; every other
# custom parameter follows under its own name.
_SEARCH_KEYS = ("search_term", "query", "q", "keyword", "term")
_ORDER_KEYS = ("order_id", "revenue", "total", "currency")
_PRODUCT_KEYS = ("product_id", "product_ids", "sku", "products")
_IDENTITY_KEYS = ("email", "customer_id")


def kind_of(name: Any) -> str:
    """identity, page, commerce or custom."""
    if not isinstance(name, str):  # a name can be any JSON value, even an unhashable one
        return "custom"
    for kind, names in KINDS.items():
        if name in names:
            return kind
    return "custom"


def value_text(value: Any) -> str:
    """A field value as one line of text: strings bare, everything else as JSON."""
    if isinstance(value, str):
        return value
    return encode_json(value, _COMPACT)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# A string that would read as another JSON type: a number as JSON writes it, true, false
# or null (any letter case, surrounding spaces allowed), or one that opens with a quote.
_LOOKS_TYPED_RE = re.compile(
    r'\s*(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)\s*|".*',
    re.ASCII | re.IGNORECASE | re.DOTALL,
)


def typed_text(value: Any) -> str:
    """A parameter's value as the summary and `--fields` show it: as value_text, but a
    string that would read as a number, a boolean or null is quoted as JSON
    (`price="45.00"` beside `price=45.0`), so type drift shows without --show."""
    if isinstance(value, str) and _LOOKS_TYPED_RE.fullmatch(value):
        return _COMPACT(value)
    return value_text(value)


def _url_path(url: Any) -> str:
    if not isinstance(url, str) or not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _leading_keys(name: Any, kind: str) -> tuple[str, ...]:
    if name == "search":
        return _SEARCH_KEYS
    if kind == "commerce":
        return _ORDER_KEYS + _PRODUCT_KEYS
    if kind == "page":
        return _PRODUCT_KEYS
    if kind == "identity":
        return _IDENTITY_KEYS
    return ()


def summary(event: Event) -> str:
    """The event's parameters exactly as sent, each as `key=value` under its real key:
    the kind's key fields first (page: the URL path; commerce: order id, revenue, product
    ids; search: the term), then every other custom parameter. Nothing is renamed or
    left out; only the width of the column cuts it. A string that reads as a number,
    boolean or null is quoted (typed_text)."""
    name = event.get("event")
    kind = kind_of(name)
    leading = [k for k in _leading_keys(name, kind) if event.get(k) not in (None, "")]
    custom = custom_fields(event)
    parts = [f"{key}={typed_text(event[key])}" for key in leading]
    path = _url_path(event.get("url"))
    if path and (kind == "page" or not custom):
        # The page is what a page event is about; other events show it only when they
        # carry nothing else.
        parts.insert(0 if name != "search" else len(parts), path)
    parts.extend(
        f"{key}={typed_text(value)}" for key, value in custom.items() if key not in leading
    )
    return " ".join(parts)


def browser(event: Event) -> str:
    """`Chrome 126 · macOS`, from whichever of the browser fields are present."""
    name = event.get("browser_type")
    version = event.get("browser_version")
    major = value_text(version).split(".")[0] if version not in (None, "") else ""
    left = " ".join(value_text(v) for v in (name, major) if v not in (None, ""))
    platform = event.get("browser_platform")
    parts = [p for p in (left, value_text(platform) if platform else "") if p]
    return " · ".join(parts)


def short_session(event: Event) -> str:
    session = event.get("session_uuid")
    if session in (None, ""):
        return ""
    return value_text(session)[:8]
