"""The pipeline in-process: `answer` with an injected httpx.MockTransport, a recording
reporter and a fake clock. No server, no process, no real sleep: these are the rules of
the one path from a question to an answer, tested where they live."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bsevents.app.context import Choice, Context
from bsevents.app.pipeline import Ask, Question, Source, answer, customer_uuid
from bsevents.app.result import FetchOptions
from bsevents.errors import AuthProblem, NotFound
from bsevents.model.customer import Customer
from bsevents.query.filters import make_criteria
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.recorder import FakeClock, Recorder

SHOW_EVENTS = "/api/v1/customer_search/show_events"
BASE = "https://standin.example"
EVENT = make_event(event="pageload")


class Blueshift:
    """An httpx.MockTransport handler answering like Blueshift, keeping every request."""

    def __init__(self, events: list[dict[str, Any]] | None = None) -> None:
        self.events = events if events is not None else [EVENT]
        self.requests: list[httpx.Request] = []
        self.statuses: list[int] = []  # served first, one per request, before 200s

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        if status != 200:
            return httpx.Response(status, content=iter([b'{"message": "Service Unavailable"}']))
        if request.url.path == "/api/v1/customers":
            body = {"user": {"uuid": CUSTOMER, "email": "maya@example.com"}, "users": []}
        else:
            body = self.events  # type: ignore[assignment]
        # An iterator, as a socket gives it: the client reads answers as they stream in.
        return httpx.Response(200, content=iter([json.dumps(body).encode()]))


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Context, Blueshift, Recorder]]:
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    monkeypatch.setenv("BSEVENTS_BASE_URL", BASE)

    def make(
        server: Blueshift | None = None, clock: FakeClock | None = None
    ) -> tuple[Context, Blueshift, Recorder]:
        server = server or Blueshift()
        recorder = Recorder()
        ticking = clock or FakeClock()
        ctx = Context(
            Choice(),
            recorder,
            ticking.clock(),  # type: ignore[arg-type]
            httpx.MockTransport(server),
        )
        return ctx, server, recorder

    return make


def by_uuid(**question: Any) -> Ask:
    return Ask(Source(customer=Customer(CUSTOMER)), FetchOptions(), Question(**question))


def test_the_demo_needs_no_key_and_makes_no_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY", raising=False)
    result = answer(Context(), Ask(Source(demo=True)))
    assert (result.origin, len(result.events)) == ("demo", 35)


def test_a_live_answer_is_counted_stored_and_answers_again_for_free(world: Any) -> None:
    ctx, server, _ = world()
    first = answer(ctx, by_uuid())
    assert first.origin == "live"
    assert first.events == [EVENT]
    assert first.dashboard_url == (
        f"https://app.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
    )
    (request,) = server.requests
    assert (request.url.host, request.url.path, request.url.params["uuid"]) == (
        "standin.example",
        SHOW_EVENTS,
        CUSTOMER,
    )
    assert request.headers["authorization"].startswith("Basic ")
    again = answer(ctx, by_uuid())
    assert again.origin == "cache"
    assert again.notes == [
        "from cache, fetched just now · --refresh for a live call (9 left this hour)"
    ]
    assert len(server.requests) == 1


def test_retries_wait_on_the_injected_clock(world: Any) -> None:
    clock = FakeClock()
    server = Blueshift()
    server.statuses = [503, 503]
    ctx, _, recorder = world(server, clock)
    result = answer(ctx, by_uuid())
    assert result.events == [EVENT]
    assert len(server.requests) == 3
    # 0.5 s then 1 s, each with up to half again of jitter: slept, not waited for.
    assert len(clock.slept) == 2
    assert 0.5 <= clock.slept[0] <= 0.75
    assert 1.0 <= clock.slept[1] <= 1.5
    assert [n.split(";")[1].split(" in ")[0] for n in recorder.notes] == [
        " retry 1 of 2",
        " retry 2 of 2",
    ]


def test_an_old_copy_that_lacks_a_name_is_asked_again_once(world: Any) -> None:
    clock = FakeClock()
    ctx, server, recorder = world(clock=clock)
    answer(ctx, by_uuid())
    server.events = [EVENT, make_event(event="signup_tests", event_uuid="e-2")]
    clock.sleep(120)  # the copy is now older than refresh-on-miss (30 s)
    criteria = make_criteria(types=["signup_tests"])
    result = answer(ctx, by_uuid(criteria=criteria, again=("-t", "signup_tests")))
    assert result.origin == "live"
    assert len(server.requests) == 2
    assert recorder.notes[-1] == (
        "'signup_tests' is not in the copy fetched 2 min ago; asking Blueshift (call 2 of 10)"
    )
    assert result.notes == ["1 new event since the fetch 2 min ago"]


def test_a_young_copy_tells_the_command_that_asks_and_suggests_a_close_name(world: Any) -> None:
    ctx, server, _ = world()
    answer(ctx, by_uuid())
    criteria = make_criteria(types=["pageLoad"])
    result = answer(ctx, by_uuid(criteria=criteria, again=("-t", "pageLoad")))
    assert result.origin == "cache"
    assert len(server.requests) == 1
    assert result.told == (
        "'pageLoad' is not in the copy fetched just now (did you mean 'pageload'?); no call "
        f"made. To ask Blueshift: bsevents events {CUSTOMER} -t pageLoad --refresh",
    )


def test_new_shows_only_what_the_last_fetch_brought(world: Any) -> None:
    ctx, server, _ = world()
    answer(ctx, by_uuid())
    arrived = make_event(event="purchase", event_uuid="e-3")
    server.events = [EVENT, arrived]
    result = answer(
        ctx,
        Ask(Source(customer=Customer(CUSTOMER)), FetchOptions(refresh=True), Question(new=True)),
    )
    assert result.events == [arrived]


def test_an_email_is_looked_up_once_and_then_its_events_fetched(world: Any) -> None:
    ctx, server, recorder = world()
    result = answer(ctx, Ask(Source(email="maya@example.com")))
    assert [r.url.path for r in server.requests] == ["/api/v1/customers", SHOW_EVENTS]
    assert recorder.notes[0] == f"maya@example.com is customer {CUSTOMER}"
    assert result.uuid == CUSTOMER
    offline = customer_uuid(ctx, Source(email="maya@example.com"), FetchOptions(offline=True))
    assert offline == CUSTOMER  # the stored lookup: no call
    assert len(server.requests) == 2


def test_each_key_is_looked_up_once_a_run_and_its_failure_remembered(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bsevents.state import keys

    ctx, _, _ = world()
    looked: list[str] = []
    real = keys.resolve_key
    monkeypatch.setattr(
        keys, "resolve_key", lambda *a, **k: looked.append(a[1].env) or real(*a, **k)
    )
    for _ in range(3):
        answer(ctx, by_uuid())
    assert looked == ["BLUESHIFT_API_KEY"]
    monkeypatch.delenv("BLUESHIFT_EVENT_API_KEY", raising=False)
    for _ in range(2):
        with pytest.raises(AuthProblem):
            ctx.event_key()
    assert looked == ["BLUESHIFT_API_KEY", "BLUESHIFT_EVENT_API_KEY"]


def test_a_dashboard_url_region_decides_the_account_and_says_so(world: Any) -> None:
    ctx, _, recorder = world()
    ctx.choice = Choice(url_region="eu")
    result = answer(ctx, Ask(Source(customer=Customer(CUSTOMER, "eu"))))
    assert ctx.settings.region == "eu"
    assert ctx.account.startswith("eu-")
    assert result.dashboard_url is not None
    assert result.dashboard_url.startswith("https://app.eu.getblueshift.com/")
    assert recorder.notes[0] == (
        "the URL is from the eu dashboard (app.eu.getblueshift.com): counting and storing as "
        f"region eu, calling {BASE}, not region us of profile 'default'"
    )


def test_an_unknown_customer_is_not_found(world: Any) -> None:
    server = Blueshift()
    server.statuses = [404]
    ctx, _, _ = world(server)
    with pytest.raises(NotFound):
        answer(ctx, by_uuid())
