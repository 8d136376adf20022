"""What a person wants to see of one event in one line. Plain text, no rich."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from bsevents.events import Event, custom_fields, encode_json

KINDS: dict[str, frozenset[str]] = {
    "identity": frozenset({"identify", "login", "logout", "signed_up", "signup", "register"}),
    "page": frozenset({"pageload", "page_view", "view", "search"}),
    "commerce": frozenset(
        {"add_to_cart", "remove_from_cart", "checkout", "purchase", "wishlist", "refund"}
    ),
}
_SEARCH_KEYS = ("search_term", "query", "q", "keyword", "term")
_ORDER_KEYS = ("order_id", "revenue", "total", "currency")


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


def _url_path(url: Any) -> str:
    if not isinstance(url, str) or not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _product_ids(event: Event) -> list[str]:
    ids: list[str] = []
    for key in ("product_id", "product_ids", "sku"):
        value = event.get(key)
        if isinstance(value, list):
            ids.extend(value_text(v) for v in value)
        elif value not in (None, ""):
            ids.append(value_text(value))
    products = event.get("products")
    if isinstance(products, list):
        for product in products:
            if isinstance(product, dict):
                pid = product.get("product_id", product.get("sku", product.get("id")))
                if pid is not None:
                    ids.append(value_text(pid))
    return ids


def _pairs(values: dict[str, Any]) -> str:
    return " ".join(f"{key}={value_text(value)}" for key, value in values.items())


def summary(event: Event) -> str:
    """The URL path for page events; product ids, revenue or order id for commerce; the
    search term; otherwise the custom parameters as key=value."""
    name = event.get("event")
    kind = kind_of(name)
    if name == "search":
        for key in _SEARCH_KEYS:
            if event.get(key) not in (None, ""):
                return f"{key}={value_text(event[key])}"
    if kind == "commerce":
        # The order id and revenue first: they tell one purchase from another, while a
        # basket's product list can run past the width of the column.
        parts = [
            f"{key}={value_text(event[key])}"
            for key in _ORDER_KEYS
            if event.get(key) not in (None, "")
        ]
        ids = _product_ids(event)
        if ids:
            parts.append("products=" + ",".join(ids))
        if parts:
            return " ".join(parts)
    if kind == "page":
        path = _url_path(event.get("url"))
        ids = _product_ids(event)
        if ids:
            return f"{path} products={','.join(ids)}" if path else f"products={','.join(ids)}"
        if path:
            return path
    if kind == "identity":
        custom = custom_fields(event)
        who = event.get("email") or custom.get("customer_id")
        rest = _pairs({k: v for k, v in custom.items() if k != "customer_id"})
        return " ".join(p for p in (value_text(who) if who else "", rest) if p)
    return _pairs(custom_fields(event)) or _url_path(event.get("url"))


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
