"""`bsevents send EVENT`: send one event through Blueshift's Event API, and with `--wait`
follow it until it shows in the customer's show_events."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bsevents.cli.options import (
    BaseUrlOption,
    DebugOption,
    ProfileOption,
    QuietOption,
    RegionOption,
    TimeoutOption,
    typed_on_command_line,
)
from bsevents.errors import UsageProblem
from bsevents.views import ui
from bsevents.views.choices import ColorChoice

if TYPE_CHECKING:
    from bsevents.api.event_body import Identity
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Source


def send_command(
    command: typer.Context,
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
            help="Send a name RudderStack's rule refuses, or data nested more than 100 levels "
            "deep; never a control character.",
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
    timeout: TimeoutOption = 30.0,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    profile: ProfileOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Send one event through Blueshift's Event API; print its event_uuid."""
    from bsevents.api import event_body as send
    from bsevents.cli import asking
    from bsevents.views.output import use_terminal

    use_terminal(quiet=quiet, debug=debug, color=ColorChoice.auto)
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
    text = send.body_text(body)
    if deep is not None:
        ui.warn(deep)
    seconds = _check_wait(wait, uuid, email)
    watching = None
    if seconds is not None:
        watching = asking.source(uuid, None, email if uuid is None else None, command="send")
    ctx = asking.context(command, watching, profile=profile, region=region, base_url=base_url)
    with ctx:
        if curl:
            from bsevents.api.curl import send_event_command

            deadline = timeout if typed_on_command_line(command, "timeout") else None
            sys.stdout.write(send_event_command(ctx.settings.base_url, text, deadline) + "\n")
            return
        _send_and_follow(ctx, body, text, identity, watching, seconds, timeout)


def _send_and_follow(
    ctx: Context,
    body: dict[str, Any],
    text: str,
    identity: Identity,
    watching: Source | None,
    seconds: float | None,
    timeout: float,
) -> None:
    from bsevents.app import send

    watched = None
    if watching is not None and seconds is not None:
        # Whose events to watch is settled before anything is sent: an unknown customer,
        # a rejected key or a spent budget must not leave an event sent and not followed.
        watched = send.settle_wait(ctx, watching, seconds, timeout)
    send.post(ctx, text.encode(), timeout)
    sent_at = ctx.clock.monotonic()
    who = ", ".join(f"{k} {v}" for k, v in identity.fields().items())
    ui.note(f"sent {body['event']} for {who} · event_uuid {body['event_uuid']}")
    if watched is None or seconds is None:
        sys.stdout.write(f"{body['event_uuid']}\n")
        return
    arrived, _ = send.follow(ctx, watched, body["event_uuid"], seconds, timeout, sent_at)
    from bsevents.views.jsonout import pretty_json
    from bsevents.views.output import write_chunks

    write_chunks([pretty_json(arrived[0] if len(arrived) == 1 else arrived)])
    ui.note(f"arrived after {ctx.clock.monotonic() - sent_at:.0f} s")


def _email(text: str | None) -> str | None:
    if text is None:
        return None
    from bsevents.model.customer import check_email

    return check_email(text)


def _read_data(source: str) -> dict[str, Any]:
    from bsevents.api.event_body import MAX_DATA_BYTES, parse_data
    from bsevents.model.files import read_file

    try:
        if source == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            raw = stdin.read(MAX_DATA_BYTES + 1) if stdin is not None else b""
        else:
            raw = read_file(source, MAX_DATA_BYTES + 1, pipes=True)
    except OSError as error:
        raise UsageProblem(f"--data {source}: {error.strerror or error}") from None
    return parse_data(raw, "stdin" if source == "-" else source)


def _check_wait(wait: str | None, uuid: str | None, email: str | None) -> float | None:
    """--wait's seconds, checked before anything is sent."""
    if wait is None:
        return None
    from bsevents.app.wait import parse_wait

    seconds = parse_wait(wait)
    if uuid is None and email is None:
        raise UsageProblem(
            "--wait needs to know whose events to watch: give --uuid CUSTOMER or --email",
            "--customer-id and --cookie cannot be looked up",
        )
    return seconds
