"""`bsevents send`: one event through Blueshift's Event API and, with `--wait`, the round
trip: settle whose events to watch first (the customer looked up, the User key checked,
a call left to wait with), then send, then wait on the shared pipeline until the event
shows in show_events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bsevents.errors import KeyRejected, RateLimited

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Source
    from bsevents.app.result import EventsResult
    from bsevents.model.events import Event

EVENT_KEY_HINT = (
    "check that it is the *Event* API key (Account Settings > API Keys), in "
    "BLUESHIFT_EVENT_API_KEY or stored with `bsevents config set-key --event`, and that "
    "the region matches the account"
)


def post(ctx: Context, body: bytes, timeout: float) -> None:
    """POST one event body with the profile's Event API key. Raises the typed error of
    a refusal, worded for the Event API."""
    from bsevents.api.client import post_event

    key = ctx.event_key()
    try:
        post_event(
            ctx.settings.base_url,
            key.value,
            body,
            timeout=timeout,
            transport=ctx.transport,
            debug=ctx.report.debug,
        )
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


@dataclass(frozen=True)
class Watched:
    """Whose events a `send --wait` watches, settled before anything is sent."""

    source: Source  # the customer, by UUID (an email already looked up)
    uuid: str


def settle_wait(ctx: Context, source: Source, seconds: float, timeout: float) -> Watched:
    """Everything `send --wait` needs, checked before the event is sent, so that nothing is
    sent when the wait could not run: the customer (an email looked up; a UUID or URL
    answered for by a stored copy or one show_events call, which also proves the User
    key), and a call of the hour left to wait with (RateLimited, exit 5, otherwise)."""
    from bsevents.app.pipeline import Ask, Source, Wait, answer, customer_uuid
    from bsevents.app.result import FetchOptions
    from bsevents.app.wait import plan_wait
    from bsevents.model.customer import Customer

    options = FetchOptions(timeout=timeout, retries=0)
    uuid = customer_uuid(ctx, source, options)
    by_uuid = Source(customer=Customer(uuid, source.url_region))
    answer(ctx, Ask(by_uuid, options))  # NotFound (4) or KeyRejected (3) stop it here
    plan_wait(ctx, Wait(seconds, lambda event: False, "", sent_at=ctx.clock.monotonic()))
    return Watched(by_uuid, uuid)


def follow(
    ctx: Context, watched: Watched, event_uuid: str, seconds: float, timeout: float, sent_at: float
) -> tuple[list[Event], EventsResult]:
    """Wait (budget-paced, on the pipeline) until the sent event shows; the arrived
    copies of it and the answer they were in. Records the round trip for the next wait's
    pacing. AnswerIsNo (exit 6) at the deadline."""
    from bsevents.app.pipeline import Ask, Wait, answer
    from bsevents.app.result import FetchOptions
    from bsevents.state.round_trips import remember

    is_it = same_event(event_uuid)
    wait = Wait(seconds, is_it, f"event {event_uuid}", sent_at=sent_at)
    result = answer(ctx, Ask(watched.source, FetchOptions(timeout=timeout), wait=wait))
    remember(ctx.account, ctx.clock.monotonic() - sent_at)
    return [e for e in result.events if is_it(e)], result


def same_event(event_uuid: str) -> Callable[[Event], bool]:
    """Whether an arrived event is the one sent with `event_uuid` (ignoring case, as
    Blueshift may store a UUID in another case)."""
    wanted = event_uuid.lower()

    def is_it(event: Event) -> bool:
        value = event.get("event_uuid")
        return isinstance(value, str) and value.lower() == wanted

    return is_it
