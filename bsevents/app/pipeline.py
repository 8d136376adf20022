"""The one path from a question to an answer. Every command that reads a customer's
events (`events` in every view, `--watch`, `--wait`, `-e`; `lint`; `send --wait`;
`reconcile`) states what it asks as an `Ask` and gets an `EventsResult` from `answer`.

    Ask ─► local source? ─► the demo, or a saved file (no key, no call)
       └─► the customer (a UUID, a dashboard URL, or an email looked up once)
           ─► --wait? poll, paced within the budget, until the answer is there (wait.py)
           ─► else a stored copy or a live call (fetch.py)
               ─► a copy that cannot answer the question is asked again, once

The run's `Context` carries the settings, the key, the ledger, the store, the reporter,
the clock and the transport; nothing here reads them from anywhere else.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bsevents.app.result import EventsResult, FetchOptions, Wait
from bsevents.errors import NotFound, RateLimited, RequestFailed, UsageProblem
from bsevents.model.customer import EXAMPLE_UUID, Customer, looks_like_email, parse_customer
from bsevents.model.sanitize import echoed

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.app.fetch import EmailMatch
    from bsevents.model.events import Event
    from bsevents.query.filters import Criteria


@dataclass(frozen=True)
class Source:
    """Where the events come from: the demo, a saved file, or a customer (a parsed UUID
    or dashboard URL, or an email address to look up)."""

    demo: bool = False
    from_file: str | None = None
    customer: Customer | None = None
    email: str | None = None

    @property
    def local(self) -> str | None:
        """The option that makes no call (--demo, --from-file), if one was given."""
        return "--demo" if self.demo else "--from-file" if self.from_file is not None else None

    @property
    def url_region(self) -> str | None:
        """The region of the dashboard the customer's URL came from, if it did."""
        return self.customer.region_hint if self.customer is not None else None

    @classmethod
    def parse(
        cls,
        customer: str | None,
        uuid: str | None,
        email: str | None,
        *,
        demo: bool = False,
        from_file: str | None = None,
        example: str = "bsevents events",
    ) -> Source:
        """The source of CUSTOMER, --uuid, --email, --demo and --from-file, refusing
        what cannot go together (UsageProblem, before anything is spent)."""
        given = customer is not None or uuid is not None or email is not None
        if from_file is not None:
            if demo or given:
                other = "--demo" if demo else "a customer"
                raise UsageProblem(f"--from-file and {other} are two sources", "give one of them")
            return cls(from_file=from_file)
        if demo:
            if given:
                raise UsageProblem("--demo takes no customer", f"run: {example} --demo")
            return cls(demo=True)
        if customer is not None and looks_like_email(customer):
            if email is not None:
                raise UsageProblem("give the customer as CUSTOMER, --uuid or --email, not both")
            customer, email = None, customer
        if email is not None:
            if customer is not None or uuid is not None:
                raise UsageProblem("give the customer as CUSTOMER, --uuid or --email, not both")
            from bsevents.model.customer import check_email

            return cls(email=check_email(email))
        return cls(customer=_customer(customer, uuid, example))


def _customer(argument: str | None, option: str | None, example: str) -> Customer:
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
            "no customer given: expected a customer UUID, a Blueshift dashboard URL or an email "
            "address",
            f"for example: {example} {EXAMPLE_UUID} ({example} --demo)",
        )
    return parse_customer(text)


@dataclass(frozen=True)
class Question:
    """What the user looks for in the events: a stored copy that has none of it is asked
    again. `again` holds the options that ask it again, as the user would type them, and
    `first` the arguments that come before the customer (reconcile's CAPTURE).

    `unanswered` asks the whole answer what it lacks (`2 of 7 sent events`; None: nothing),
    for a question no filter states; `since` (epoch seconds) is when what is looked for
    was sent: a stored copy fetched before it cannot hold it, so a miss in that copy is
    asked again however young the copy is."""

    criteria: Criteria | None = None
    show: str | None = None
    new: bool = False
    again: tuple[str, ...] = ()
    unanswered: Callable[[list[Event]], str | None] | None = None
    since: float | None = None
    first: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ask:
    """Everything a command asks of the pipeline."""

    source: Source
    fetch: FetchOptions = field(default_factory=FetchOptions)
    question: Question = field(default_factory=Question)
    wait: Wait | None = None
    command: str = "events"  # the command that asks again, for the "to ask" hint


def answer(ctx: Context, ask: Ask) -> EventsResult:
    """The events that answer `ask`, with notes for people in `notes` (said once the
    answer is final, so that a copy replaced by a fresh answer says nothing)."""
    if ask.source.local is not None:
        result = local_result(ctx, ask.source, ask.fetch.timeout)
    else:
        uuid = customer_uuid(ctx, ask.source, ask.fetch)
        if ask.wait is not None:
            from bsevents.app.wait import wait_for

            result = wait_for(ctx, uuid, ask.wait, ask.fetch)
        else:
            from bsevents.app.fetch import fetch

            result = fetch(ctx, uuid, ask.fetch)
            result = _ask_again_on_miss(ctx, uuid, ask, result)
        from bsevents.app.fetch import copy_note

        result = copy_note(ctx, result)
    return _finished(result, ask.question)


def check_like_a_live_run(ctx: Context, timeout: float) -> None:
    """--demo and --from-file make no call, but a typo is still a typo: the profile,
    region, base URL (flags or environment) and timeout are checked as a live run checks
    them. A damaged settings file alone does not stop a local view."""
    from bsevents.app.result import check_timeout
    from bsevents.state.settings import ENV_BASE_URL, ENV_PROFILE, ENV_REGION

    check_timeout(timeout)
    choosing = (ENV_PROFILE, ENV_REGION, ENV_BASE_URL)
    if ctx.choice.given or any(ctx.env.get(name, "").strip() for name in choosing):
        ctx.settings  # noqa: B018 - resolving is the check


def local_result(ctx: Context, source: Source, timeout: float) -> EventsResult:
    """The events of --from-file or --demo."""
    check_like_a_live_run(ctx, timeout)
    if source.from_file is not None:
        import sys

        from bsevents.app.saved import get_from_file

        stdin = getattr(sys.stdin, "buffer", None)  # sys.stdin is None when fd 0 is closed
        return get_from_file(source.from_file, limit=local_limit(ctx), stdin=stdin)
    from bsevents.app.demo import get_demo

    return get_demo()


def local_limit(ctx: Context) -> int:
    """Bytes a saved answer or a capture may have: the profile's max-response-mb, as for
    a live answer (its default when the settings cannot be read: a local view needs
    none)."""
    from bsevents.app.fetch import max_response_bytes
    from bsevents.errors import BseventsError

    try:
        return max_response_bytes(ctx.settings)
    except (BseventsError, OSError):
        from bsevents.api.bounded import MB
        from bsevents.state.settings import DEFAULT_RESPONSE_MB

        return DEFAULT_RESPONSE_MB * MB


def customer_uuid(ctx: Context, source: Source, options: FetchOptions) -> str:
    """The customer's UUID: as given, or looked up by email (Search customer, which costs
    no show_events call; with --offline, the lookup stored before)."""
    if source.email is None:
        assert source.customer is not None
        _note_url_region(ctx)
        return source.customer.uuid
    from bsevents.app.fetch import find_by_email

    match = find_by_email(ctx, source.email, timeout=options.timeout, offline=options.offline)
    _report_match(ctx, match)
    return match.uuid


def _note_url_region(ctx: Context) -> None:
    """Say so when a dashboard URL's region replaced the one the profile would use."""
    settings = ctx.settings
    if settings.sources.get("region") != "url" or not ctx.first_time("url region"):
        return
    from bsevents.model.regions import REGIONS

    host = REGIONS[settings.region].app_host
    where = f"calling the {settings.region} API"
    if settings.sources.get("base_url") != "region":
        where = f"counting and storing as region {settings.region}, calling {settings.base_url}"
    ctx.report.note(
        f"the URL is from the {settings.region} dashboard ({host}): {where}, not region "
        f"{settings.profile_region} of profile {settings.profile!r}"
    )


def _report_match(ctx: Context, match: EmailMatch) -> None:
    if match.stored:
        ctx.report.note(f"{match.email} is customer {match.uuid} (stored lookup, no call made)")
        return
    ctx.report.note(f"{match.email} is customer {match.uuid}{_person(match.user)}")
    if match.others:
        from bsevents.model.words import counted

        others = counted(len(match.others), "other customer")
        ctx.report.note(f"{others} {'matches' if len(match.others) == 1 else 'match'} this email:")
        for other in match.others:
            ctx.report.note(f"  {other.get('uuid')}{_person(other)}")


def _person(user: dict[str, object]) -> str:
    name = " ".join(str(user[k]) for k in ("firstname", "lastname") if user.get(k))
    parts = [name] if name else []
    if user.get("customer_id"):
        parts.append(f"customer_id {user['customer_id']}")
    return f" ({', '.join(parts)})" if parts else ""


def curl_commands(ctx: Context, source: Source, max_time: float | None = None) -> str:
    """The request(s) as curl commands, for --curl: nothing is sent, no key is printed;
    `max_time` is a --timeout given on the command line."""
    if source.email is not None:
        from bsevents.api.curl import email_then_events_commands

        return email_then_events_commands(ctx.settings.base_url, source.email, max_time)
    from bsevents.api.curl import show_events_command

    assert source.customer is not None
    return show_events_command(ctx.settings.base_url, source.customer.uuid, max_time)


def _finished(result: EventsResult, question: Question) -> EventsResult:
    """The answer as shown: a note on events with no usable time, and with --new only the
    new events."""
    from bsevents.model.events import count_trailing_untimed

    # Everything loaded lives until the process ends: keep the garbage collector from
    # walking those objects again and again while the view is drawn.
    gc.freeze()
    notes = list(result.notes)
    untimed = count_trailing_untimed(result.events)
    if untimed:
        notes.append(
            f"{untimed} event has no usable time; it is listed last"
            if untimed == 1
            else f"{untimed} events have no usable time; they are listed last"
        )
    return _shown(replace(result, notes=notes), question)


def _shown(result: EventsResult, question: Question) -> EventsResult:
    """With --new, only the events that were new when the answer was fetched."""
    if not question.new:
        return result
    from bsevents.model.events import event_key

    notes = result.notes
    if not result.compared:
        notes = [
            *notes,
            "--new: this is the first copy of this customer here, with no earlier one to "
            "compare with, so no event counts as new; the next fetch marks what arrives",
        ]
    new = [e for e in result.events if event_key(e) in result.new_keys]
    return replace(result, events=new, notes=notes)


# -- a stored copy that cannot answer the question ----------------------------------------


def _ask_again_on_miss(ctx: Context, uuid: str, ask: Ask, result: EventsResult) -> EventsResult:
    """A question that a stored copy cannot answer is asked of Blueshift once (see
    `fetch.refresh_on_miss`), so that an old copy never gives a stale "no"."""
    if result.origin != "cache":
        return result
    miss = find_miss(_shown(result, ask.question), ask.question)
    if miss is None:
        return result
    from bsevents.app.fetch import Miss, refresh_on_miss

    # What chose the account and the API: the flags, and a dashboard URL's region (the
    # command names the customer by UUID, so the region is said outright).
    chosen_by = ["--profile", ctx.choice.profile] if ctx.choice.profile is not None else []
    region = ctx.choice.region or ctx.choice.url_region
    if region is not None:
        chosen_by += ["--region", region]
    if ctx.choice.base_url is not None:
        chosen_by += ["--base-url", ctx.choice.base_url]
    question = ask.question
    again = ["bsevents", ask.command, *question.first, uuid, *chosen_by, *question.again]
    again.append("--refresh")
    what, hint = miss
    # A copy fetched before what is looked for was sent cannot hold it, however young.
    stale = question.since is not None and (result.fetched_at or 0.0) < question.since
    try:
        return refresh_on_miss(
            ctx, uuid, ask.fetch, result, Miss(what, _command(again), hint, stale=stale)
        )
    except (RequestFailed, RateLimited) as failed:
        # The stored copy is still an answer: show it, saying that it could not be checked.
        ctx.report.warn(f"{failed.message}; showing the stored copy, which may be stale")
        return result


def _command(words: list[str]) -> str:
    """A command to paste, read alike by bash, zsh, fish and dash."""
    from bsevents.api.curl import quote

    return " ".join(quote(word) for word in words)


def find_miss(result: EventsResult, question: Question) -> tuple[str, str] | None:
    """What the question finds missing in `result` (the events it would show: with --new,
    only the new ones) (`'signup_tests'`), with a hint for
    when no call can be made (` (did you mean 'signup_test'?)`); None when it finds
    something. A name the copy lacks is a miss even when it is close to one the copy has:
    it may be a new event, so only a live answer may suggest a typo."""
    from bsevents.query.filters import find_events, missing_types, select

    if question.unanswered is not None:
        lacking = question.unanswered(result.events)
        return (lacking, "") if lacking is not None else None
    if question.show is not None:
        try:
            find_events(result.events, question.show)
        except NotFound:
            return f"event {echoed(question.show.strip())!r}", ""
        except UsageProblem:
            return None
        return None
    if question.new and not result.events:
        return "a new event", ""
    criteria = question.criteria
    if criteria is None or not criteria.active:
        return None
    missing = missing_types(result.events, criteria.types)
    if missing:
        names = " or ".join(repr(echoed(name)) for name in missing)
        close = [c for found in missing.values() for c in found]
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        return names, hint
    if select(result.events, criteria).matching:
        return None
    return "an event matching the filters", ""
