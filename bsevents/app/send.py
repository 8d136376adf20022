"""`bsevents send`: events through Blueshift's Event API, one POST each or in bulk
batches, and with `--wait` the round trip: settle whose events to watch first (the
customer looked up, the User key checked, a call left to wait with), then send, then
wait once, on the shared pipeline, until every sent event shows in show_events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bsevents.errors import AnswerIsNo, KeyRejected, RateLimited

if TYPE_CHECKING:
    from bsevents.api.replay import Body
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Source
    from bsevents.model.events import Event

EVENT_KEY_HINT = (
    "check that it is the *Event* API key (Account Settings > API Keys), in "
    "BLUESHIFT_EVENT_API_KEY or stored with `bsevents config set-key --event`, and that "
    "the region matches the account"
)


def post(ctx: Context, body: bytes, timeout: float, *, bulk: bool = False) -> int:
    """POST one event body (with `bulk`, a batch of them) with the profile's Event API
    key; the status. Raises the typed error of a refusal, worded for the Event API."""
    from bsevents.api.client import post_event

    key = ctx.event_key()
    try:
        return post_event(
            ctx.settings.base_url,
            key.value,
            body,
            timeout=timeout,
            transport=ctx.transport,
            report=ctx.report,
            bulk=bulk,
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
class Sent:
    """A body Blueshift accepted: the status of its POST (of its batch, with --bulk),
    the batch's number, and when (monotonic) the answer came."""

    body: Body
    status: int
    at: float
    batch: int | None = None


class Telling(Protocol):
    """What `send_all` tells as it goes, so that every id is out before anything else
    can happen: the bodies about to be sent, then the ones accepted."""

    def sending(self, group: list[Body], batch: int | None, batches: int) -> None: ...

    def accepted(self, sent: list[Sent]) -> None: ...


def send_all(
    ctx: Context, bodies: list[Body], timeout: float, tell: Telling, *, bulk: bool = False
) -> list[Sent]:
    """POST the bodies in order, one each, or with `bulk` in batches to the bulk events
    endpoint (paced as Blueshift asks). `tell` hears each group before its POST goes out
    and as soon as it is accepted. The first failure raises its error: the bodies after
    it are not sent."""
    from bsevents.api.replay import BULK_PAUSE, batches, bulk_text

    groups = batches(bodies) if bulk else [[body] for body in bodies]
    ctx.event_key()  # no key (exit 3) is said before anything is said to be sending
    sent: list[Sent] = []
    for number, group in enumerate(groups, 1):
        batch = number if bulk else None
        if bulk and number > 1:
            ctx.clock.sleep(BULK_PAUSE)
        tell.sending(group, batch, len(groups))
        text = bulk_text(group) if bulk else group[0].text
        status = post(ctx, text.encode(), timeout, bulk=bulk)
        done = [Sent(body, status, ctx.clock.monotonic(), batch) for body in group]
        tell.accepted(done)
        sent += done
    return sent


@dataclass(frozen=True)
class Watched:
    """Whose events a `send --wait` watches, and for how long: settled before anything
    is sent."""

    source: Source  # the customer, by UUID (an email already looked up)
    seconds: float

    @property
    def uuid(self) -> str:
        assert self.source.customer is not None
        return self.source.customer.uuid


def settle_wait(ctx: Context, source: Source, seconds: float, timeout: float) -> Watched:
    """Everything `send --wait` needs, checked before the event is sent, so that nothing is
    sent when the wait could not run: the customer (an email looked up; a UUID or URL
    answered for by a stored copy or one show_events call, which also proves the User
    key), and a call of the hour left to wait with (RateLimited, exit 5, otherwise)."""
    from bsevents.app.fetch import would_call
    from bsevents.app.pipeline import Ask, Source, answer, customer_uuid
    from bsevents.app.result import FetchOptions
    from bsevents.app.wait import plan_wait
    from bsevents.model.customer import Customer

    options = FetchOptions(timeout=timeout, retries=0)
    uuid = customer_uuid(ctx, source, options)
    by_uuid = Source(customer=Customer(uuid, source.url_region))
    # The budget first: a first answer that costs a call must leave one to wait with.
    plan_wait(ctx, seconds, after_send=True, spend_first=int(would_call(ctx, uuid, options)))
    answer(ctx, Ask(by_uuid, options))  # NotFound (4) or KeyRejected (3) stop it here
    return Watched(by_uuid, seconds)


@dataclass(frozen=True)
class Arrival:
    """A sent event as show_events has it (more than one copy: a double send), and the
    seconds from its send to the poll that found it."""

    sent: Sent
    copies: list[Event]
    after: float


class NotAllArrived(AnswerIsNo):
    """The wait ended before every sent event arrived; `arrivals` are those that did
    (maybe none)."""

    def __init__(self, message: str, arrivals: list[Arrival]) -> None:
        super().__init__(message)
        self.arrivals = arrivals


def follow(ctx: Context, watched: Watched, sent: list[Sent], timeout: float) -> list[Arrival]:
    """Wait once (budget-paced, on the pipeline) until every sent event shows; the
    arrival of each, in the order sent. Records the round trip for the next wait's
    pacing. AnswerIsNo (exit 6) at the deadline; with several events, NotAllArrived,
    saying which did not."""
    from bsevents.app.pipeline import Ask, answer
    from bsevents.app.result import FetchOptions, Wait
    from bsevents.app.wait import WaitExpired
    from bsevents.state.round_trips import remember

    wanted = {item.body.event_uuid.lower() for item in sent}
    seen: dict[str, float] = {}  # each id, when a poll first showed it
    latest: list[Event] = []

    def is_one(event: Event) -> bool:
        value = event.get("event_uuid")
        return isinstance(value, str) and value.lower() in wanted

    def all_in(events: list[Event]) -> bool:
        now = ctx.clock.monotonic()
        latest[:] = [event for event in events if is_one(event)]
        for event in latest:
            seen.setdefault(str(event["event_uuid"]).lower(), now)
        return len(seen) == len(wanted)

    looked_for = f"{len(sent)} sent events"
    if len(wanted) == 1:
        looked_for = f"event {sent[0].body.event_uuid}"
    sent_at = max(item.at for item in sent)
    wait = Wait(watched.seconds, all_in, looked_for, sent_at=sent_at)
    try:
        answer(ctx, Ask(watched.source, FetchOptions(timeout=timeout), wait=wait))
    except WaitExpired as expired:
        if len(wanted) == 1:
            raise
        arrived = _arrivals(sent, seen, latest)
        missing = [item for item in sent if item.body.event_uuid.lower() not in seen]
        raise NotAllArrived(
            f"{len(sent) - len(missing)} of {len(sent)} sent events arrived for customer "
            f"{watched.uuid} {expired.why}; not arrived: {_listed(missing)}",
            arrived,
        ) from None
    arrivals = _arrivals(sent, seen, latest)
    remember(ctx.account, max(arrival.after for arrival in arrivals))
    return arrivals


def _arrivals(sent: list[Sent], seen: dict[str, float], events: list[Event]) -> list[Arrival]:
    found = []
    for item in sent:
        uuid = item.body.event_uuid.lower()
        if uuid in seen:
            copies = [e for e in events if str(e.get("event_uuid")).lower() == uuid]
            found.append(Arrival(item, copies, max(0.0, seen[uuid] - item.at)))
    return found


def _listed(missing: list[Sent], most: int = 5) -> str:
    """`line 3 (event_uuid x), line 4 (event_uuid y) and 2 more`."""
    shown = [
        f"{item.body.where} (event_uuid {item.body.event_uuid})"
        if item.body.where
        else f"event_uuid {item.body.event_uuid}"
        for item in missing[:most]
    ]
    more = len(missing) - most
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
