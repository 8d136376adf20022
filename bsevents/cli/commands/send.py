"""`bsevents send [EVENT]`: send events through Blueshift's Event API (one built from the
flags, or whole bodies replayed from --data), and with `--wait` follow them until they
show in the customer's show_events."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

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
from bsevents.errors import BseventsError, Interrupted, UsageProblem
from bsevents.views import sending, ui
from bsevents.views.choices import ColorChoice

if TYPE_CHECKING:
    from bsevents.api.replay import Body
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Source


def send_command(
    command: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="EVENT",
            help="The event name, e.g. purchase; optional when --data bodies have `event`.",
        ),
    ] = None,
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
            "(seats:=3). Repeatable; adds to or replaces a --data body's.",
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            metavar="FILE",
            help="Whole Event API bodies, sent as given: one JSON object, an array of them "
            "or NDJSON, from FILE (- for stdin). The flags fill in what a body lacks.",
        ),
    ] = None,
    event_uuid: Annotated[
        str | None,
        typer.Option("--event-uuid", metavar="ID", help="Use this event_uuid (default: new)."),
    ] = None,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Send through the bulk events endpoint, in batches of up to 30 events.",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object a line: each event_uuid with its HTTP status, and "
            "with --wait each arrival.",
        ),
    ] = False,
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
            help="Then wait (paced within the hourly budget) until every sent event shows in "
            "the customer's events; needs --uuid, --email or bodies that name one email.",
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
    """Send events through Blueshift's Event API; print each event_uuid."""
    from bsevents.cli import asking
    from bsevents.views.output import use_terminal

    use_terminal(quiet=quiet, debug=debug, color=ColorChoice.auto)
    for flag, given in (("--wait", wait is not None), ("--json", as_json)):
        if curl and given:
            raise UsageProblem(f"--curl and {flag} do not go together: --curl sends nothing")
    if uuid is not None and wait is None:
        raise UsageProblem("--uuid only tells --wait whose events to watch", "add --wait 5m")
    bodies = _bodies(name, (customer_id, email, cookie), params or [], data, event_uuid, force)
    if bulk:
        from bsevents.api.replay import batches

        batches(bodies)  # a body too large for a bulk call is refused before any is sent
    seconds, watch_email = _check_wait(wait, uuid, email, bodies)
    watching = None
    if seconds is not None:
        watching = (asking.source(uuid, None, watch_email, command="send"), seconds)
    sending.say_before(bodies)
    ctx = asking.context(
        command,
        watching[0] if watching is not None else None,
        profile=profile,
        region=region,
        base_url=base_url,
    )
    with ctx:
        if curl:
            deadline = timeout if typed_on_command_line(command, "timeout") else None
            _print_curl(ctx, bodies, bulk=bulk, max_time=deadline)
            return
        _send_and_follow(ctx, bodies, watching, timeout, as_json=as_json, bulk=bulk)


def _bodies(
    name: str | None,
    who: tuple[str | None, str | None, str | None],
    params: list[str],
    data: str | None,
    event_uuid: str | None,
    force: bool,
) -> list[Body]:
    """Every body to send, checked: the one the flags build, or those of --data with
    what the flags add. UsageProblem (exit 2) before anything is sent."""
    import uuid as uuid_module

    from bsevents.api import event_body, replay

    customer_id, email, cookie = who
    given_uuid = event_body.check_event_uuid(event_uuid) if event_uuid is not None else None
    identity = event_body.Identity(customer_id, _email(email), cookie)
    if data is None:
        if name is None:
            raise UsageProblem(
                "no event name given",
                "for example: bsevents send purchase --email maya@example.com",
            )
        event_body.check_name(name, force=force)
        fields = event_body.build_event(name, identity, params=params, event_uuid=given_uuid)
        return [replay.finish(fields, force=force, uuid_added=given_uuid is None)]
    parsed = tuple(event_body.parse_param(text) for text in params)
    flags = replay.Flags(name, identity, given_uuid, parsed, force)
    source = "stdin" if data == "-" else data
    found = replay.read_bodies(_read_data(data), source)
    return replay.prepare(found, source, flags, lambda: str(uuid_module.uuid4()))


def _print_curl(ctx: Context, bodies: list[Body], *, bulk: bool, max_time: float | None) -> None:
    """One curl command a body, or with --bulk one a batch; a --timeout given on the
    command line becomes each one's --max-time."""
    from bsevents.api.curl import send_event_command
    from bsevents.api.replay import batches, bulk_text
    from bsevents.views.output import write_chunks

    texts = [bulk_text(group) for group in batches(bodies)] if bulk else [b.text for b in bodies]
    base = ctx.settings.base_url
    commands = [send_event_command(base, text, bulk=bulk, max_time=max_time) for text in texts]
    write_chunks([command + "\n" for command in commands])


def _send_and_follow(
    ctx: Context,
    bodies: list[Body],
    watching: tuple[Source, float] | None,
    timeout: float,
    *,
    as_json: bool,
    bulk: bool,
) -> None:
    from bsevents.app import send

    watched = None
    if watching is not None:
        # Whose events to watch is settled before anything is sent: an unknown customer,
        # a rejected key or a spent budget must not leave events sent and not followed.
        try:
            watched = send.settle_wait(ctx, *watching, timeout)
        except BseventsError as error:
            error.message = f"{error.message}; nothing was sent"
            raise
    teller = sending.Teller(as_json, len(bodies))
    try:
        sent = send.send_all(ctx, bodies, timeout, teller, bulk=bulk)
    except KeyboardInterrupt:
        if not teller.in_flight:
            raise
        ids = ", ".join(body.event_uuid for body in teller.in_flight)
        raise Interrupted(
            f"interrupted while sending event_uuid {ids}: Blueshift may have accepted it",
            "look for it with bsevents events before sending it again",
        ) from None
    except BseventsError as error:
        if teller.in_flight:
            teller.failed(error)
        raise
    if len(sent) > 1 and not bulk:
        from bsevents.model.words import counted

        ui.note(f"sent {counted(len(sent), 'event')}, each accepted")
    if watched is None:
        return
    try:
        arrivals = send.follow(ctx, watched, sent, timeout)
    except send.NotAllArrived as partial:
        sending.show_arrivals(partial.arrivals, as_json=as_json, many=True)
        raise
    sending.show_arrivals(arrivals, as_json=as_json, many=len(sent) > 1)


def _email(text: str | None) -> str | None:
    if text is None:
        return None
    from bsevents.model.customer import check_email

    return check_email(text)


def _read_data(source: str) -> bytes:
    from bsevents.api.replay import MAX_FILE_BYTES
    from bsevents.app.saved import read_bytes

    stdin = getattr(sys.stdin, "buffer", None)  # None when fd 0 is closed
    return read_bytes(
        source,
        stdin,
        limit=MAX_FILE_BYTES,
        option="--data",
        what="a JSON file of parameters or Event API bodies",
        size_hint=None,
    )


def _check_wait(
    wait: str | None, uuid: str | None, email: str | None, bodies: list[Body]
) -> tuple[float | None, str | None]:
    """--wait's seconds, and the email whose events to watch when no --uuid is given
    (--email, or the one the bodies name), checked before anything is sent."""
    if wait is None:
        return None, None
    from bsevents.app.wait import parse_wait

    seconds = parse_wait(wait)
    if uuid is not None:
        return seconds, None
    named = {
        str(b.fields["email"]).lower(): b.fields["email"] for b in bodies if "email" in b.fields
    }
    if email is None and len(named) == 1:
        email = str(*named.values())
    if email is None:
        raise UsageProblem(
            "--wait needs to know whose events to watch: give --uuid CUSTOMER or --email",
            "--customer-id and --cookie cannot be looked up",
        )
    return seconds, email
