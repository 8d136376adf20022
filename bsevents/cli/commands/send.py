"""`bsevents send EVENT`: send one event through Blueshift's Event API, and with `--wait`
follow it until it shows in the customer's show_events."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bsevents.cli.options import BaseUrlOption, ProfileOption, RegionOption, decimal_number
from bsevents.errors import KeyRejected, RateLimited, UsageProblem
from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.state.settings import Resolved

EVENT_KEY_HINT = (
    "check that it is the *Event* API key (Account Settings > API Keys), in "
    "BLUESHIFT_EVENT_API_KEY or stored with `bsevents config set-key --event`, and that "
    "the region matches the account"
)


def send_command(
    name: Annotated[str, typer.Argument(metavar="EVENT", help="The event name, e.g. purchase.")],
    customer_id: Annotated[
        str | None, typer.Option("--customer-id", metavar="ID", help="The customer's id.")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", metavar="ADDRESS", help="The customer's email.")
    ] = None,
    cookie: Annotated[
        str | None, typer.Option("--cookie", metavar="ID", help="The visitor's cookie id.")
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="KEY=TEXT|KEY:=JSON",
            help="A parameter: key=text for a string, key:=JSON for any JSON value "
            "(seats:=3). Repeatable.",
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data", metavar="FILE", help="Parameters as one JSON object from FILE (- for stdin)."
        ),
    ] = None,
    event_uuid: Annotated[
        str | None,
        typer.Option("--event-uuid", metavar="UUID", help="Use this event_uuid (default: new)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Send an event name Blueshift's integrations refuse, or data nested more "
            "than 100 levels deep.",
        ),
    ] = False,
    curl: Annotated[
        bool,
        typer.Option("--curl", help="Print the equivalent curl command and exit; nothing sent."),
    ] = False,
    wait: Annotated[
        str | None,
        typer.Option(
            "--wait",
            metavar="DURATION",
            help="Then wait (paced within the hourly budget) until the event shows in the "
            "customer's events, and print it; needs --uuid or --email.",
        ),
    ] = None,
    uuid: Annotated[
        str | None,
        typer.Option(
            "--uuid", "-u", metavar="CUSTOMER", help="With --wait: the customer's UUID or URL."
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            parser=decimal_number(low=0.1),
            help="Give up after this long.",
        ),
    ] = 30.0,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    profile: ProfileOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors still show).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
    ] = False,
) -> None:
    """Send one event through Blueshift's Event API; print its event_uuid."""
    from bsevents.api import event_body as send
    from bsevents.state.settings import resolve

    if quiet:
        ui.terminal().quiet = True
    if debug:
        ui.terminal().debugging = True
    if curl and wait is not None:
        raise UsageProblem("--curl and --wait do not go together: --curl sends nothing")
    if uuid is not None and wait is None:
        raise UsageProblem("--uuid only tells --wait whose events to watch", "add --wait 5m")
    send.check_name(name, force=force)
    identity = send.Identity(customer_id, _email(email), cookie)
    body = send.build_event(
        name,
        identity,
        params=params or (),
        data=_read_data(data) if data is not None else None,
        event_uuid=send.check_event_uuid(event_uuid) if event_uuid is not None else None,
    )
    deep = send.check_depth(body, force=force)
    resolved = resolve(profile=profile, region=region, base_url=base_url)
    text = send.body_text(body)
    if deep is not None:
        ui.warn(deep)
    if curl:
        from bsevents.api.curl import send_event_command

        sys.stdout.write(send_event_command(resolved.base_url, text) + "\n")
        return
    seconds = _check_wait(resolved, wait, uuid, email)
    customer: tuple[Resolved, str] | None = None
    if seconds is not None:
        # Whose events to watch is settled before anything is sent: an unknown email or a
        # rejected key must not leave an event sent with no event_uuid on stdout.
        customer = _whose_events(resolved, uuid, email, timeout)
        resolved = customer[0]  # the region a dashboard URL names wins
    _post(resolved, text, timeout)
    sent_at = time.monotonic()
    who = ", ".join(f"{k} {v}" for k, v in identity.fields().items())
    if seconds is None or customer is None:
        sys.stdout.write(f"{body['event_uuid']}\n")
        ui.note(f"sent {name} for {who} · event_uuid {body['event_uuid']}")
        return
    ui.note(f"sent {name} for {who} · event_uuid {body['event_uuid']}")
    _follow(customer, body["event_uuid"], seconds, timeout, sent_at)


def _email(text: str | None) -> str | None:
    if text is None:
        return None
    from bsevents.model.customer import check_email

    return check_email(text)


def _read_data(source: str) -> dict[str, Any]:
    from bsevents.api.event_body import MAX_DATA_BYTES, parse_data

    try:
        if source == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            raw = stdin.read(MAX_DATA_BYTES + 1) if stdin is not None else b""
        else:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_DATA_BYTES + 1)
    except OSError as error:
        raise UsageProblem(f"--data {source}: {error.strerror or error}") from None
    return parse_data(raw, "stdin" if source == "-" else source)


def _check_wait(
    resolved: Resolved, wait: str | None, uuid: str | None, email: str | None
) -> float | None:
    """--wait's seconds, checked (with the User key it will need) before anything is sent."""
    if wait is None:
        return None
    from bsevents.app.wait import parse_wait
    from bsevents.state.keys import resolve_api_key

    seconds = parse_wait(wait)
    if uuid is None and email is None:
        raise UsageProblem(
            "--wait needs to know whose events to watch: give --uuid CUSTOMER or --email",
            "--customer-id and --cookie cannot be looked up",
        )
    if uuid is not None:
        from bsevents.model.customer import parse_customer

        parse_customer(uuid)
    resolve_api_key(resolved.profile)  # show_events needs the User key: fail before sending
    return seconds


def _post(resolved: Resolved, text: str, timeout: float) -> None:
    from bsevents.api.client import post_event
    from bsevents.state.event_key import resolve_event_key

    key = resolve_event_key(resolved.profile, warn=ui.warn)
    try:
        post_event(resolved.base_url, key.value, text.encode(), timeout=timeout, debug=ui.debug)
    except KeyRejected as rejected:
        raise KeyRejected(
            rejected.message.replace("the API key", "the Event API key"),
            EVENT_KEY_HINT,
            status=rejected.status,
        ) from None
    except RateLimited as limited:  # not show_events' 10 an hour: say so
        raise RateLimited(
            limited.message, "the Event API is rate limited: send again later", status=429
        ) from None


def _whose_events(
    resolved: Resolved, uuid: str | None, email: str | None, timeout: float
) -> tuple[Resolved, str]:
    """The settings and UUID of the customer whose events --wait watches (an --email is
    looked up with Search customer, which costs no show_events call)."""
    from bsevents.cli.who import resolve_customer

    customer = resolve_customer(
        resolved,
        uuid,
        None,
        email if uuid is None else None,
        curl=False,
        offline=False,
        timeout=timeout,
    )
    assert customer is not None  # no --curl here
    return customer


def _follow(
    customer: tuple[Resolved, str],
    event_uuid: str,
    seconds: float,
    timeout: float,
    sent_at: float,
) -> None:
    """Wait for the sent event in show_events and print it as it arrived."""
    from bsevents.app.fetch import FetchOptions
    from bsevents.app.wait import wait_for
    from bsevents.views.jsonout import pretty_json
    from bsevents.views.output import write_chunks

    resolved, customer_uuid = customer

    def is_it(event: dict[str, Any]) -> bool:
        value = event.get("event_uuid")
        return isinstance(value, str) and value.lower() == event_uuid

    waited = wait_for(
        resolved,
        customer_uuid,
        seconds,
        first=FetchOptions(timeout=timeout),
        passes=is_it,
        looked_for=f"event {event_uuid} for customer {customer_uuid}",
        notify=ui.note,
        warn=ui.warn,
        debug=ui.debug,
    )
    arrived = [e for e in waited.result.events if is_it(e)]
    write_chunks([pretty_json(arrived[0] if len(arrived) == 1 else arrived)])
    calls = "1 call" if waited.calls == 1 else f"{waited.calls} calls"
    ui.note(f"arrived after {time.monotonic() - sent_at:.0f} s · {calls}")
