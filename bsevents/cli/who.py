"""Which customer a command is about: CUSTOMER or --uuid (a UUID or a dashboard URL), or
--email through Search customer; and --curl, which prints the request instead."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bsevents.errors import UsageProblem
from bsevents.model.customer import Customer, looks_like_email, parse_customer
from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.app.fetch import EmailMatch
    from bsevents.state.settings import Resolved


def resolve_customer(
    resolved: Resolved,
    customer: str | None,
    uuid: str | None,
    email: str | None,
    *,
    curl: bool,
    offline: bool,
    timeout: float,
) -> tuple[Resolved, str] | None:
    """The settings to call with (a dashboard URL names its region) and the customer's
    UUID, from CUSTOMER/--uuid or an email lookup; None when --curl has printed the
    request instead (nothing is sent either way for --curl)."""
    from bsevents.app import fetch as source

    if customer is not None and looks_like_email(customer):
        if email is not None:
            raise UsageProblem("give the customer as CUSTOMER, --uuid or --email, not both")
        customer, email = None, customer
    if email is not None:
        if customer is not None or uuid is not None:
            raise UsageProblem("give the customer as CUSTOMER, --uuid or --email, not both")
        from bsevents.model.customer import check_email

        address = check_email(email)
        if curl:
            from bsevents.api.curl import email_then_events_commands

            sys.stdout.write(email_then_events_commands(resolved.base_url, address) + "\n")
            return None
        match = source.find_by_email(
            resolved, address, timeout=timeout, offline=offline, warn=ui.warn, debug=ui.debug
        )
        _report_match(match)
        return resolved, match.uuid
    who = _customer(customer, uuid)
    resolved = follow_url_region(who, resolved)
    if curl:
        from bsevents.api.curl import show_events_command

        sys.stdout.write(show_events_command(resolved.base_url, who.uuid) + "\n")
        return None
    return resolved, who.uuid


def _customer(argument: str | None, option: str | None) -> Customer:
    if argument is not None and option is not None:
        first, second = parse_customer(argument), parse_customer(option)
        if first.uuid != second.uuid:
            raise UsageProblem(
                "two different customers given (CUSTOMER and --uuid)", "give one of them"
            )
        hints = {c.region_hint for c in (first, second)} - {None}
        if len(hints) > 1:
            raise UsageProblem(
                "CUSTOMER and --uuid are URLs from different regions' dashboards",
                "give one of them",
            )
        return first if first.region_hint is not None else second  # keep the URL's region
    text = argument if argument is not None else option
    if text is None:
        raise UsageProblem(
            "no customer given: expected a customer UUID or a Blueshift dashboard URL",
            "for example: bsevents events 51aceb79-2cbc-4e2b-a132-b02de69bba15 "
            "(or bsevents events --demo)",
        )
    return parse_customer(text)


def follow_url_region(who: Customer, resolved: Resolved) -> Resolved:
    """The settings with the region of the dashboard the URL came from: calling the other
    region's API would waste a call on a misleading 404. An explicit --region that says
    otherwise is a usage error; an explicit base URL decides the host on its own."""
    hint = who.region_hint
    if hint is None or hint == resolved.region:
        return resolved
    from bsevents.model.regions import REGIONS

    host = REGIONS[hint].app_host
    if resolved.sources.get("region") == "flag":
        raise UsageProblem(
            f"--region {resolved.region} contradicts the URL, which is from the {hint} "
            f"dashboard ({host})",
            f"drop --region, or give --region {hint}",
        )
    if resolved.sources.get("base_url") != "region":
        return resolved
    ui.note(
        f"the URL is from the {hint} dashboard ({host}): calling the {hint} API, not "
        f"region {resolved.region} of profile {resolved.profile!r}"
    )
    return replace(
        resolved,
        region=hint,
        base_url=REGIONS[hint].api_base,
        values={**resolved.values, "region": hint},
        sources={**resolved.sources, "region": "url"},
    )


def _report_match(match: EmailMatch) -> None:
    if match.stored:
        ui.note(f"{match.email} is customer {match.uuid} (stored lookup, no call made)")
        return
    ui.note(f"{match.email} is customer {match.uuid}{_person(match.user)}")
    if match.others:
        ui.note(f"{len(match.others)} other customer(s) match this email:")
        for other in match.others:
            ui.note(f"  {other.get('uuid')}{_person(other)}")


def _person(user: dict[str, Any]) -> str:
    name = " ".join(str(user[k]) for k in ("firstname", "lastname") if user.get(k))
    parts = [name] if name else []
    if user.get("customer_id"):
        parts.append(f"customer_id {user['customer_id']}")
    return f" ({', '.join(parts)})" if parts else ""
