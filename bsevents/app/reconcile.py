"""`reconcile`: what a browser or app sent (a capture) set against what arrived, on the
shared pipeline. The capture is read and checked before anything is spent; the arrived
side is `pipeline.answer`'s, as `events` gets it (the same ledger, store, refresh-on-miss
rule, `--from-file`, `--offline` and `--wait` pacing); the matching is pure
(`query/reconcile.py`).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from bsevents.errors import BseventsError, UsageProblem
from bsevents.model.capture import parse_capture
from bsevents.model.har import REGION_HOSTS, host_of
from bsevents.model.sent import Capture
from bsevents.query.reconcile import DEFAULT_WINDOW, Outcome, reconcile, still_missing

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.app.pipeline import Ask, Source
    from bsevents.app.result import EventsResult, FetchOptions
    from bsevents.model.events import Event

LOOKED_FOR = "arrival of every event the capture sent"


def hosts(ctx: Context) -> frozenset[str]:
    """The hosts whose requests a capture is read for: Blueshift's API hosts, and the
    configured base URL's (a stand-in, a proxy)."""
    found = set(REGION_HOSTS)
    # Settings that cannot be read: a live run says so; a saved file needs none.
    with suppress(BseventsError):
        found.add(host_of(ctx.settings.base_url))
    return frozenset(found)


def read_capture(ctx: Context, path: str, stdin: BinaryIO | None) -> Capture:
    """The events the capture at `path` (`-`: stdin) sent to Blueshift, read within the
    max-response-mb limit. Raises UsageProblem (exit 2) for a capture that is too large,
    unreadable, malformed, or holds no request to Blueshift's event endpoints."""
    from bsevents.app.pipeline import local_limit
    from bsevents.app.saved import read_bytes

    name = "stdin" if path == "-" else path
    data = read_bytes(path, stdin, limit=local_limit(ctx), option="CAPTURE", what="a capture")
    capture = parse_capture(data, name, hosts(ctx))
    del data  # a HAR holds other sites' traffic and secrets: keep none of it
    if not capture.sent:
        others = (
            f" ({capture.ignored} requests to other hosts or endpoints)" if capture.ignored else ""
        )
        raise UsageProblem(
            f"{name} holds no event sent to Blueshift{others}",
            "reconcile reads the pixel (/unity.gif), /api/v1/event and /api/v1/bulkevents on "
            f"{', '.join(sorted(hosts(ctx)))}",
        )
    return capture


def customer_in(capture: Capture, name: str) -> str:
    """The email the capture's events were sent for, to look the customer up by. Raises
    UsageProblem naming what it found when it names no email, or several customers."""
    from bsevents.model.sanitize import clean

    emails: dict[str, str] = {}
    others: dict[str, dict[str, None]] = {}
    for sent in capture.sent:
        for key, value in sent.identity.items():
            if key == "email":
                emails.setdefault(value.casefold(), value)
            else:
                others.setdefault(key, {})[value] = None
    ids = others.get("customer_id", {})
    give = f"give the customer: bsevents reconcile {_quoted(name)} CUSTOMER (a UUID, URL or email)"
    if len(emails) > 1 or len(ids) > 1:
        found = [_listed("email", list(emails.values())), _listed("customer_id", list(ids))]
        raise UsageProblem(
            f"{clean(name)} sent events for several customers: {'; '.join(f for f in found if f)}",
            give,
        )
    if len(emails) == 1:
        return next(iter(emails.values()))
    found = [_listed(key, list(values)) for key, values in sorted(others.items())]
    what = f", only {'; '.join(found)}" if found else ", nor any other customer id"
    raise UsageProblem(f"{clean(name)} names no email to find the customer by{what}", give)


def _listed(key: str, values: list[str]) -> str:
    from bsevents.model.sanitize import echoed

    if not values:
        return ""
    shown = ", ".join(repr(echoed(v)) for v in values[:3])
    more = f" and {len(values) - 3} more" if len(values) > 3 else ""
    return f"{key} {shown}{more}"


def _quoted(path: str) -> str:
    """A path in a command to paste: read alike by bash, zsh, fish and dash."""
    from bsevents.api.curl import quote
    from bsevents.model.sanitize import clean

    return quote(clean(path))


@dataclass(frozen=True)
class Request:
    """What `reconcile` asks: the capture, whose events, how they may be fetched, and
    how to match. `path` is the capture as given, to ask again with."""

    capture: Capture
    source: Source
    options: FetchOptions
    path: str = "-"
    window: float = DEFAULT_WINDOW
    wait: float | None = None
    unsent: bool = False


@dataclass(frozen=True)
class Reconciliation:
    """Each sent event's outcome, and the answer they were matched against. `deadline`
    says why a `--wait` ended unanswered."""

    outcomes: list[Outcome]
    result: EventsResult
    deadline: str | None = None
    notes: list[str] = field(default_factory=list)


def run(ctx: Context, request: Request) -> Reconciliation:
    """Ask the pipeline for the arrived events (one show_events call at most, none from
    a fresh copy fetched after the last send or a saved file; with --wait, paced polls
    until nothing sent is missing), then match."""
    from bsevents.app.wait import WaitExpired

    capture = request.capture
    deadline = None
    try:
        result = _answer(ctx, request)
    except WaitExpired as passed:
        if passed.last is None:
            raise
        result, deadline = passed.last, passed.message
    outcomes = reconcile(
        capture.sent,
        result.events,
        window=request.window,
        span=capture.span,
        unsent=request.unsent,
    )
    return Reconciliation(outcomes, result, deadline, capture.notes)


def _answer(ctx: Context, request: Request) -> EventsResult:
    from bsevents.app.pipeline import answer

    return answer(ctx, ask(request))


def ask(request: Request) -> Ask:
    """The pipeline's Ask: a stored copy that lacks a sent event is asked again (at once
    when it was fetched before the last send), and --wait waits until none is missing."""
    from bsevents.app.pipeline import Ask, Question
    from bsevents.app.result import Wait

    sent = request.capture.sent
    window = request.window

    def lacking(events: list[Event]) -> str | None:
        return still_missing(sent, events, window)

    times = [s.sent_at for s in sent if s.accepted and s.sent_at is not None]
    question = Question(unanswered=lacking, since=max(times, default=None), first=(request.path,))
    waiting = None
    if request.wait is not None:
        waiting = Wait(request.wait, lambda events: lacking(events) is None, LOOKED_FOR)
    return Ask(request.source, request.options, question, waiting, command="reconcile")
