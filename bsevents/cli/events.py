"""`bsevents events`: fetch one customer's events and show them."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bsevents import ui
from bsevents.customer import Customer, parse_customer
from bsevents.errors import UsageProblem
from bsevents.events import Event, count_untimed
from bsevents.settings import Resolved
from bsevents.source import EventsResult

if TYPE_CHECKING:
    from bsevents.source import EmailMatch


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
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            metavar="ADDRESS",
            help="Find the customer by email (Search customer; costs no events call).",
        ),
    ] = None,
    curl: Annotated[
        bool,
        typer.Option("--curl", help="Print the equivalent curl command and exit; no call."),
    ] = False,
    watch: Annotated[
        str | None,
        typer.Option(
            "--watch",
            metavar="[INTERVAL]",
            help="Poll for new events within the hourly budget; INTERVAL like 8m "
            "(default: paced by the calls left).",
            show_default=False,
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option(
            "--retries",
            metavar="N",
            min=0,
            max=5,
            help="Retry 502/503/504 and dropped connections up to N times (each retry is "
            "a call of the budget; never past the cap).",
        ),
    ] = 2,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Make a live call even if a fresh copy is stored.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never call: show the last stored response.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Call even at the hourly cap or after a 429 (live call)."),
    ] = False,
    new: Annotated[
        bool, typer.Option("--new", help="Only the events that are new since the fetch before.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors still show).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
    ] = False,
) -> None:
    """Fetch one customer's events and show them sorted by time."""
    if debug:
        ui.state.debug = True
    if quiet:
        ui.state.quiet = True
    from bsevents import settings as settings_module
    from bsevents import source

    chosen = View.json if as_json else view
    if demo:
        if customer is not None or uuid is not None or email is not None:
            raise UsageProblem("--demo takes no customer", "run: bsevents events --demo")
        result = source.get_demo()
    else:
        resolved = settings_module.resolve(profile=profile, region=region, base_url=base_url)
        if email is not None:
            if customer is not None or uuid is not None:
                raise UsageProblem("give the customer as CUSTOMER, --uuid or --email, not both")
            from bsevents.customer import check_email

            address = check_email(email)
            if curl:
                from bsevents.curl import email_then_events_commands

                sys.stdout.write(email_then_events_commands(resolved.base_url, address) + "\n")
                return
            match = source.find_by_email(
                resolved, address, timeout=timeout, offline=offline, warn=ui.warn
            )
            _report_match(match)
            who_uuid = match.uuid
        else:
            who = _customer(customer, uuid)
            _check_region(who, resolved)
            who_uuid = who.uuid
            if curl:
                from bsevents.curl import show_events_command

                sys.stdout.write(show_events_command(resolved.base_url, who_uuid) + "\n")
                return
        if watch is not None:
            _watch(resolved, who_uuid, watch, timeout=timeout, view=chosen)
            return
        options = source.FetchOptions(
            timeout=timeout, refresh=refresh, offline=offline, force=force, retries=retries
        )
        with ui.Spinner("receiving") as spinner:
            result = source.get_customer_events(
                resolved, who_uuid, options, notify=ui.note, warn=ui.warn, progress=spinner
            )
    _report(result)
    if new:
        result = _only_new(result)
    _render(result, chosen)


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


def _watch(
    resolved: Resolved, uuid: str, interval: str, *, timeout: float, view: View | None
) -> None:
    from bsevents.timefmt import parse_duration
    from bsevents.watch import watch

    requested = None if interval == "auto" else parse_duration(interval)
    if interval != "auto" and requested is None:
        raise UsageProblem(
            f"--watch {interval!r} is not an interval", "for example --watch 8m, or plain --watch"
        )
    as_lines = sys.stdout.isatty() and view in (None, View.table)

    def on_new(events: list[Event]) -> None:
        from bsevents.events import sort_events

        for event in sort_events(events):
            sys.stdout.write(_watch_line(event) if as_lines else _ndjson_line(event))
        sys.stdout.flush()

    try:
        reason = watch(
            resolved,
            uuid,
            requested,
            timeout=timeout,
            on_new=on_new,
            notify=ui.note,
            warn=ui.warn,
        )
    except KeyboardInterrupt:
        reason = "stopped"
    ui.note(reason)


def _ndjson_line(event: Event) -> str:
    import json

    from bsevents.sanitize import escape_json_text

    return escape_json_text(json.dumps(event, ensure_ascii=False)) + "\n"


def _watch_line(event: Event) -> str:
    from bsevents.events import event_datetime
    from bsevents.render.summary import summary
    from bsevents.sanitize import clean, shorten

    moment = event_datetime(event)
    when = moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "(no time)"
    name = event.get("event")
    text = f"{name if isinstance(name, str) else '(no event name)'}  {summary(event)}"
    return f"{when}  {shorten(clean(text), 200)}\n"


def _only_new(result: EventsResult) -> EventsResult:
    from dataclasses import replace

    from bsevents.events import event_key

    kept = [e for e in result.events if event_key(e) in result.new_keys]
    return replace(result, events=kept)


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
