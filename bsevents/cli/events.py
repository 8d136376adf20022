"""`bsevents events`: fetch one customer's events and show them."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from bsevents import ui
from bsevents.customer import Customer, parse_customer
from bsevents.errors import UsageProblem
from bsevents.events import count_untimed
from bsevents.source import EventsResult

if TYPE_CHECKING:
    from bsevents.settings import Resolved


class View(str, Enum):
    table = "table"
    json = "json"


def _customer(argument: str | None, option: str | None) -> Customer:
    if argument is not None and option is not None:
        first, second = parse_customer(argument), parse_customer(option)
        if first.uuid != second.uuid:
            raise UsageProblem(
                "two different customers given (CUSTOMER and --uuid)", "give one of them"
            )
        return first
    text = argument if argument is not None else option
    if text is None:
        raise UsageProblem(
            "no customer given: expected a customer UUID or a Blueshift dashboard URL",
            "for example: bsevents events 51aceb79-2cbc-4e2b-a132-b02de69bba15 "
            "(or bsevents events --demo)",
        )
    return parse_customer(text)


def events_command(
    customer: Annotated[
        str | None,
        typer.Argument(
            metavar="CUSTOMER",
            help="Customer UUID, or a dashboard URL copied from the browser.",
            show_default=False,
        ),
    ] = None,
    uuid: Annotated[
        str | None,
        typer.Option("--uuid", "-u", metavar="CUSTOMER", help="Same as CUSTOMER."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Show the bundled demo journey: no key, no call.")
    ] = False,
    view: Annotated[
        View | None,
        typer.Option(
            "--view", help="Output format. Default: table on a terminal, json when piped."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --view json.")] = False,
    region: Annotated[
        str | None,
        typer.Option("--region", metavar="us|eu", help="Blueshift region (env BLUESHIFT_REGION)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Replace the API base URL, e.g. a stand-in server (env BSEVENTS_BASE_URL).",
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="Settings and key profile (env BSEVENTS_PROFILE; default: `config use`).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="SECONDS", min=0.1, help="Give up after this long."),
    ] = 30.0,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
    ] = False,
) -> None:
    """Fetch one customer's events and show them sorted by time."""
    if debug:
        ui.state.debug = True
    from bsevents import settings as settings_module
    from bsevents import source

    chosen = View.json if as_json else view
    if demo:
        if customer is not None or uuid is not None:
            raise UsageProblem("--demo takes no customer", "run: bsevents events --demo")
        result = source.get_demo()
    else:
        who = _customer(customer, uuid)
        resolved = settings_module.resolve(profile=profile, region=region, base_url=base_url)
        _check_region(who, resolved)
        result = source.get_live(resolved, who.uuid, timeout=timeout)
    _report(result)
    _render(result, chosen)


def _check_region(who: Customer, resolved: Resolved) -> None:
    """Warn, before a call is spent, when the URL comes from the other region's dashboard."""
    if who.region_hint is None or who.region_hint == resolved.region:
        return
    if resolved.sources.get("base_url") != "region":
        return  # an explicit base URL decides the host, not the region
    from bsevents.regions import REGIONS

    ui.warn(
        f"the URL is from the {who.region_hint} dashboard ({REGIONS[who.region_hint].app_host}) "
        f"but profile {resolved.profile!r} uses region {resolved.region}; if the call fails, "
        f"try --region {who.region_hint} or `bsevents config set region {who.region_hint}`"
    )


def _report(result: EventsResult) -> None:
    untimed = count_untimed(result.events)
    if untimed:
        ui.note(f"{untimed} event(s) have no usable time; they are listed last")
    for note in result.notes:
        ui.note(note)


def _render(result: EventsResult, chosen: View | None) -> None:
    on_terminal = sys.stdout.isatty()
    view = chosen or (View.table if on_terminal else View.json)
    if view is View.json:
        from bsevents.render.jsonout import to_json

        sys.stdout.write(to_json(result.events, pretty=on_terminal))
        sys.stdout.flush()
        return
    from rich.console import Console

    from bsevents.render.table import render_table

    console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    origin = " · demo data" if result.origin == "demo" else ""
    title = f"{len(result.events)} events · customer {result.uuid}{origin}"
    render_table(console, result.events, title=title)
