"""Blueshift's endpoints: paths, URLs and the headers we send. No HTTP here, so that
`--curl` and the ledger can use it without loading httpx."""

from __future__ import annotations

from urllib.parse import quote

from bsevents import __version__
from bsevents.model.event_api import BULK_EVENTS_PATH, EVENT_PATH

SHOW_EVENTS_PATH = "/api/v1/customer_search/show_events"
SEARCH_PATH = "/api/v1/customers"


def show_events_url(base_url: str, uuid: str) -> str:
    return f"{base_url}{SHOW_EVENTS_PATH}?uuid={quote(uuid)}"


def search_url(base_url: str, email: str) -> str:
    return f"{base_url}{SEARCH_PATH}?email={quote(email, safe='@')}"


def event_url(base_url: str) -> str:
    return f"{base_url}{EVENT_PATH}"


def bulk_events_url(base_url: str) -> str:
    return f"{base_url}{BULK_EVENTS_PATH}"


def request_headers() -> dict[str, str]:
    """Headers sent with every request, except Authorization."""
    return {"Accept": "application/json", "User-Agent": f"bsevents/{__version__}"}
