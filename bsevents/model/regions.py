"""Blueshift's regions: API base URLs, dashboard hosts, and which base URLs we accept."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bsevents.errors import UsageProblem
from bsevents.model.sanitize import clean, mask_url, shorten

# A host (an IPv6 address in brackets, or anything bracket-free that _host_problem then
# checks) and an optional port of 1 to 5 digits, and nothing else: urlsplit alone lets
# `[::1]x` through.
# Patterns, not compiled ones: re compiles them on first use, so commands that never
# check a base URL do not pay for it at import.
_NETLOC = r"(\[[0-9A-Fa-f:.]+\]|[^\[\]:@]+)(:[0-9]{1,5})?"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"


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
    would otherwise cross the network in clear text. Every malformed URL is refused here,
    before any call is counted, rather than by the HTTP library after."""
    cleaned = url.strip().rstrip("/")
    # Masked all the same: a `password=` in a query is quoted before it is refused.
    shown = repr(shorten(clean(mask_url(url)), 120))
    if "@" in cleaned:
        # Anywhere, not only before the host: a password with a slash in it puts the rest
        # of itself and the @ into the path. Not quoted: what sits there may well be a key.
        raise UsageProblem(
            "the base URL must not hold a user name or password",
            "give the key with `bsevents config set-key` or BLUESHIFT_API_KEY",
        )
    # Printable ASCII only: a tab, a control character or a space inside a URL is a typo.
    if not cleaned or not all(" " < char < "\x7f" for char in cleaned):
        raise UsageProblem(
            f"base URL {shown} has a space, a control or a non-ASCII character",
            "write an international host name in its xn-- form",
        )
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname or ""
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise UsageProblem(f"base URL {shown} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UsageProblem(
            f"base URL {shown} is not an http(s) URL",
            "for example https://api.getblueshift.com or http://127.0.0.1:8080",
        )
    if parts.query or parts.fragment or "?" in cleaned or "#" in cleaned:
        raise UsageProblem(f"base URL {shown} must not have a query or fragment")
    if port == 0 or not re.fullmatch(_NETLOC, parts.netloc):
        raise UsageProblem(
            f"base URL {shown} does not have the form scheme://host[:port][/path]",
            "for example https://api.getblueshift.com or http://127.0.0.1:8080",
        )
    if "[" in parts.path or "]" in parts.path:
        raise UsageProblem(f"base URL {shown} has a bracket in its path")
    problem = _host_problem(host)
    if problem:
        raise UsageProblem(f"base URL {shown}: {problem}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise UsageProblem(
            f"refusing plain http to {host}: the API key would travel unencrypted",
            "use https, or http only on a loopback address (127.0.0.1, ::1, localhost)",
        )
    return cleaned


def _host_problem(host: str) -> str:
    """Why `host` cannot name a server, or "" when it can: an IP address, or DNS labels
    of 1 to 63 letters, digits and inner hyphens (253 characters at most), where an
    xn-- label must be valid IDNA."""
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        pass
    if len(host) > 253:
        return "the host name is longer than 253 characters"
    for label in host.rstrip(".").split("."):
        if not label:
            return "the host name has an empty label (two dots in a row?)"
        if len(label) > 63:
            return f"the host name label {label[:20]}... is longer than 63 characters"
        if not re.fullmatch(_LABEL, label):
            return f"{label!r} is not a host name label (letters, digits, inner hyphens)"
        if label.lower().startswith("xn--") and not _valid_idna(label):
            return f"{label!r} is not valid IDNA"
    return ""


def _valid_idna(label: str) -> bool:
    """IDNA 2008, as httpx checks it: Python's own codec (IDNA 2003) lets labels through
    that httpx then refuses, after the call was counted."""
    import idna  # httpx's own dependency; only an xn-- label needs it

    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError):
        return False
    return True
