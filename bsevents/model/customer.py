"""Turning what the user pasted (a UUID or a dashboard URL) into a customer UUID."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bsevents.errors import UsageProblem
from bsevents.model.regions import region_of_app_host
from bsevents.model.sanitize import clean, mask_url, shorten

EXAMPLE_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
EXAMPLE_URL = f"https://app.getblueshift.com/dashboard#/app/customer/{EXAMPLE_UUID}/show/overview"

_HEX = "[0-9a-fA-F]"
_UUID = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
UUID_RE = re.compile(f"^{_UUID}\\Z")  # \Z: unlike $, no newline may follow
# In a dashboard URL the UUID is the path segment after "customer/", wherever the
# browser put it (after "#" in the single-page app, or in the path proper).
_URL_UUID_RE = re.compile(f"/customer/({_UUID})(?=[/?#]|$)")
# What a terminal, a chat client or a spreadsheet leaves around a pasted value.
_WRAPPING = " \t\r\n\"'`<>"


@dataclass(frozen=True)
class Customer:
    """A customer UUID (lower case) and the region of the dashboard it came from, if any."""

    uuid: str
    region_hint: str | None = None


def _usage(problem: str) -> UsageProblem:
    return UsageProblem(
        f"{problem}: expected a customer UUID, a Blueshift dashboard URL or an email address",
        f"for example {EXAMPLE_UUID}, '{EXAMPLE_URL}' or maya@example.com",
    )


def parse_customer(text: str) -> Customer:
    """Reduce a UUID or a dashboard URL to the customer's lower-case UUID.

    Raises UsageProblem (exit 2) for anything else, before anything is sent.
    """
    value = text.strip(_WRAPPING)
    if not value:
        raise _usage("no customer given")
    if UUID_RE.match(value):
        return Customer(value.lower())
    if looks_like_email(value):
        raise UsageProblem(
            f"{_shown(value)} looks like an email address: expected a customer UUID or "
            "a Blueshift dashboard URL",
            f"give the address as CUSTOMER or with --email to look it up; a UUID looks like "
            f"{EXAMPLE_UUID}",
        )
    url = value if "://" in value else f"https://{value}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _usage(f"{_shown(mask_url(value))} is not a UUID or a URL") from None
    region = region_of_app_host(host)
    if region is None:
        if "/" in value or "." in value:
            raise _usage(f"{_shown(mask_url(value))} is not a Blueshift dashboard URL")
        raise _usage(f"{_shown(value)} is not a UUID")
    found = _URL_UUID_RE.search(f"{parts.path}#{parts.fragment}")
    if found is None:
        raise _usage("the dashboard URL has no customer UUID in it")
    return Customer(found.group(1).lower(), region)


def looks_like_email(text: str) -> bool:
    """An address where a UUID or URL goes: `bsevents events jane@example.com`."""
    value = text.strip(_WRAPPING)
    return "@" in value and "/" not in value


def _shown(value: str, limit: int = 60) -> str:
    """The user's input, quoted and cut, safe to echo in a one-line message."""
    return repr(shorten(clean(value), limit))


# Local parts may hold an apostrophe (o'brien@…); the domain may not.
_EMAIL_RE = re.compile(r"^[^@\s\"<>(),;:\\\[\]]+@[^@\s\"'<>(),;:\\\[\]]+\.[A-Za-z0-9-]{2,}\Z")


def check_email(text: str) -> str:
    """The address, trimmed, or UsageProblem (exit 2) when it cannot be an email."""
    value = text.strip(_WRAPPING)
    if not _EMAIL_RE.match(value):
        raise UsageProblem(
            f"{_shown(value)} is not an email address",
            "for example: bsevents events --email maya@example.com",
        )
    return value
