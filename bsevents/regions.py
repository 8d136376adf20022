"""Blueshift's regions: API base URLs, dashboard hosts, and which base URLs we accept."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from bsevents.errors import UsageProblem


@dataclass(frozen=True)
class Region:
    name: str
    api_base: str
    app_host: str


REGIONS: dict[str, Region] = {
    "us": Region("us", "https://api.getblueshift.com", "app.getblueshift.com"),
    "eu": Region("eu", "https://api.eu.getblueshift.com", "app.eu.getblueshift.com"),
}
DEFAULT_REGION = "us"


def check_region(name: str) -> str:
    """The region name in canonical form, or UsageProblem listing the valid ones."""
    canonical = name.strip().lower()
    if canonical not in REGIONS:
        raise UsageProblem(
            f"unknown region {name!r}: expected one of {', '.join(REGIONS)}",
            "us is app.getblueshift.com, eu is app.eu.getblueshift.com",
        )
    return canonical


def region_of_app_host(host: str) -> str | None:
    """The region whose dashboard lives on `host`, or None."""
    for region in REGIONS.values():
        if host == region.app_host:
            return region.name
    return None


def dashboard_url(region: str, uuid: str) -> str:
    """The customer's page in the Blueshift dashboard (EU path assumed to match US)."""
    return f"https://{REGIONS[region].app_host}/dashboard#/app/customer/{uuid}/show/overview"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Validate a replacement base URL (for a stand-in server) and return it without a
    trailing slash. https is always accepted; plain http only on loopback, since the key
    would otherwise cross the network in clear text."""
    cleaned = url.strip().rstrip("/")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise UsageProblem(f"base URL {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UsageProblem(
            f"base URL {url!r} is not an http(s) URL",
            "for example https://api.getblueshift.com or http://127.0.0.1:8080",
        )
    if parts.query or parts.fragment:
        raise UsageProblem(f"base URL {url!r} must not have a query or fragment")
    if parts.scheme == "http" and not _is_loopback(host):
        raise UsageProblem(
            f"refusing plain http to {host}: the API key would travel unencrypted",
            "use https, or http only on a loopback address (127.0.0.1, ::1, localhost)",
        )
    return cleaned
