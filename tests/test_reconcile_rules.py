"""`reconcile`'s pure rules, in-process: reading captures (HAR and Event API bodies) into
sent events, comparing one sent event with one arrived event, and matching."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from bsevents.errors import UsageProblem
from bsevents.model.capture import parse_capture
from bsevents.model.har import REGION_HOSTS, host_of
from bsevents.model.sent import Capture, Sent
from bsevents.query.compare import compare, same_json
from bsevents.query.reconcile import not_arrived, reconcile, still_missing, summary
from tests.har import (
    SITE_KEY,
    Z,
    arrived,
    chrome_pixel,
    chrome_post,
    firefox_pixel,
    iso,
    other_site,
    pixel_url,
    proxy_post,
)

HOSTS = frozenset(REGION_HOSTS)
T = 1_795_000_000.0


def har(*entries: Any, indent: int | None = None) -> str:
    return json.dumps({"log": {"version": "1.2", "entries": list(entries)}}, indent=indent)


def parse(text: str, name: str, hosts: frozenset[str]) -> Capture:
    return parse_capture(text.encode(), name, hosts)


ORDER = itertools.count()


def sent(name: str = "view", at: float | None = T, *, text: bool = True, **params: Any) -> Sent:
    identity = {"cookie": "c1"}
    return Sent(name, "pixel", at, at, 200, "", params, identity, None, text, next(ORDER))


# -- reading captures ------------------------------------------------------------------------


def test_a_pixel_is_read_without_its_site_key_or_cache_buster() -> None:
    capture = parse(har(chrome_pixel(T, "view", sku="A 1", price="30")), "p.har", HOSTS)
    (one,) = capture.sent
    assert (one.name, one.via, one.sent_at, one.http_status, one.text) == (
        "view",
        "pixel",
        T,
        200,
        True,
    )
    assert one.params == {
        "url": "https://shop.example.com/p/1",
        "referrer": "",
        "sku": "A 1",
        "price": "30",
    }
    assert one.identity == {"cookie": "c-visitor-1"}
    assert SITE_KEY not in repr(one)
    assert Z not in repr(one)
    assert capture.kind == "HAR"


@pytest.mark.parametrize(
    ("status", "read"),
    [("204", 204), (" 200 ", 200), ("²", 0), ("9" * 5000, 0), ("٢٠٠", 0), (-5, 0), (10**6, 0)],
)
def test_a_status_that_is_no_http_status_is_read_as_no_answer(status: Any, read: int) -> None:
    entry = chrome_pixel(T, "view")
    entry["response"] = {**entry["response"], "status": status}
    (one,) = parse(har(entry), "p.har", HOSTS).sent
    assert one.http_status == read


def test_a_body_timestamp_that_is_no_time_is_said_never_silently_replaced() -> None:
    broken = '{"event": "a", "cookie": "c", "timestamp": "2021-06-24T04:53:54Z\\","}'
    good = '{"event": "b", "cookie": "c", "timestamp": "2026-11-20T10:00:00Z"}'
    bodies = parse(f"{broken}\n{good}\n", "b", HOSTS)
    assert [s.at for s in bodies.sent] == [None, 1_795_168_800.0]
    assert bodies.notes == [
        '1 sent event has a timestamp that is not a time (first: "2021-06-24T04:53:54Z\\",");'
        " matched at any time of arrival instead"
    ]
    posted = parse(
        har(
            chrome_post(T, {"event": "a", "cookie": "c", "timestamp": "01/12/2026 09:00"}),
            chrome_post(T, {"event": "b", "cookie": "c", "timestamp": 0}),
        ),
        "p.har",
        HOSTS,
    )
    assert [s.at for s in posted.sent] == [T, T]  # the request's time, for both
    assert posted.notes == [
        '2 sent events have a timestamp that is not a time (first: "01/12/2026 09:00"); '
        "matched by the time of the request instead"
    ]


def test_only_blueshift_event_requests_are_read() -> None:
    entries = [
        other_site(T),
        {
            **chrome_pixel(T, "a"),
            "request": {
                "method": "GET",
                "url": "https://api.getblueshift.com/api/v1/customers?email=x",
            },
        },
        {
            **chrome_pixel(T, "b"),
            "request": {
                "method": "GET",
                "url": pixel_url(T, "b").replace("api.getblueshift.com", "api.eu.getblueshift.com"),
            },
        },
        {
            **chrome_pixel(T, "c"),
            "request": {
                "method": "GET",
                "url": pixel_url(T, "c").replace(
                    "https://api.getblueshift.com", "http://127.0.0.1:8080/bs"
                ),
            },
        },
        {
            **chrome_pixel(T, "d"),
            "request": {
                "method": "GET",
                "url": pixel_url(T, "d").replace(
                    "api.getblueshift.com", "api.getblueshift.com.evil.example"
                ),
            },
        },
        chrome_post(T, {"event": "e", "cookie": "c"}),
        {
            **chrome_post(T, {"event": "f", "cookie": "c"}),
            "request": {"method": "GET", "url": "https://api.getblueshift.com/api/v1/event"},
        },
    ]
    capture = parse(har(*entries), "p.har", HOSTS | {host_of("http://127.0.0.1:8080")})
    assert [s.name for s in capture.sent] == ["b", "c", "e"]
    assert capture.ignored == 4


def test_host_of() -> None:
    assert host_of("https://API.getblueshift.com:443/x") == "api.getblueshift.com"
    assert host_of("http://user:pw@127.0.0.1:8080/") == "127.0.0.1:8080"
    assert host_of("http://[::1]:9/") == "[::1]:9"
    assert host_of("not a url") == ""


def test_what_each_tool_records_of_the_answer() -> None:
    blocked = chrome_pixel(T, "view", blocked=True)
    firefox_blocked = firefox_pixel(T, "view")
    firefox_blocked["response"] = {"status": 0, "statusText": "", "content": {}}
    error = {"message": "Not authorized"}
    capture = parse(
        har(
            blocked,
            firefox_blocked,
            chrome_post(
                T,
                {"event": "a", "cookie": "c"},
                status=400,
                answer={"errors": {"event": ["can't be blank"], "email": ["is invalid"]}},
            ),
            proxy_post(
                T, {"event": "b", "cookie": "c"}, path="/api/v1/event", status=401, answer=error
            ),
            {
                **chrome_post(T, {"event": "c", "cookie": "c"}, status=502),
                "response": {
                    "status": 502,
                    "content": {"text": "<html><head><title>502 Bad Gateway</title>\n</html>"},
                },
            },
        ),
        "p.har",
        HOSTS,
    )
    assert [(s.http_status, s.error, s.answered, s.accepted) for s in capture.sent] == [
        (0, "net::ERR_BLOCKED_BY_CLIENT", False, False),
        (0, "no answer", False, False),
        (400, "event: can't be blank; email: is invalid", True, False),
        (401, "Not authorized", True, False),
        (502, "HTML page: 502 Bad Gateway", True, False),  # as a proxy's page is quoted
    ]


def test_times_with_an_offset_and_the_pixel_time_when_there_is_no_other() -> None:
    no_time = chrome_pixel(T, "view")
    del no_time["startedDateTime"]
    capture = parse(har(firefox_pixel(T + 0.5, "view"), no_time), "p.har", HOSTS)
    assert [s.sent_at for s in capture.sent] == [T + 0.5, T]  # `t` holds whole seconds
    assert capture.span == (T + 0.5, T + 0.5 + 0.03)


def test_event_api_and_bulk_bodies_in_a_har() -> None:
    bulk = {
        "events": [
            {"event": "a", "device_id": "d", "timestamp": iso(T - 60), "n": 1},
            {"event": "b", "customer_id": 7},
        ]
    }
    capture = parse(
        har(
            chrome_post(T, {"event": "p", "email": "A@x.io", "event_uuid": "ABC", "revenue": 3.5}),
            chrome_post(T + 1, bulk, path="/api/v1/bulkevents"),
            chrome_post(T + 2, "not json"),
        ),
        "p.har",
        HOSTS,
    )
    first, a, b, broken = capture.sent
    assert (first.via, first.event_uuid, first.identity, first.params, first.text) == (
        "event-api",
        "abc",
        {"email": "A@x.io"},
        {"revenue": 3.5},
        False,
    )
    assert (a.via, a.sent_at, a.at, a.identity) == ("bulk", T + 1, T - 60, {"device_id": "d"})
    assert (b.name, b.identity, b.at) == ("b", {"customer_id": "7"}, T + 1)
    assert (broken.name, broken.via) == ("", "event-api")
    assert capture.notes == [
        "1 request to the Event API had no JSON body in the capture; listed as (no event name)"
    ]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"event": "a", "cookie": "c", "timestamp": "2026-11-24T19:00:00Z"}),
        "\ufeff" + json.dumps([{"event": "a", "cookie": "c", "timestamp": "2026-11-24T19:00:00Z"}]),
        json.dumps({"event": "a", "cookie": "c", "timestamp": "2026-11-24T19:00:00Z"}) + "\n\n",
        json.dumps(
            {"events": [{"event": "a", "cookie": "c", "timestamp": "2026-11-24T19:00:00Z"}]}
        ),
    ],
)
def test_event_api_bodies_in_every_form(text: str) -> None:
    capture = parse(text, "b.json", HOSTS)
    (one,) = capture.sent
    assert (one.name, one.sent_at, one.http_status, one.accepted) == ("a", 1795546800.0, None, True)
    assert capture.kind == "Event API bodies"


def test_ndjson_bodies_without_a_time_match_whenever_they_arrived() -> None:
    capture = parse('{"event": "a", "cookie": "c"}\n{"event": "b", "cookie": "c"}\n', "b", HOSTS)
    assert [(s.name, s.sent_at) for s in capture.sent] == [("a", None), ("b", None)]
    assert capture.span is None
    outcomes = reconcile(capture.sent, [arrived(T, "b", "u1", cookie="c")])
    assert [(o.name, o.status) for o in outcomes] == [("a", "missing"), ("b", "arrived")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "b is empty"),
        ("[1, 2]", "b: event 1 is not a JSON object"),
        ('"text"', "b holds a JSON string, not a HAR file nor event bodies"),
        (
            # Past every supported Python's parser (3.13's reads 5,000 levels).
            "[" * 100_000 + "]" * 100_000,
            "b nests arrays and objects too deeply to read (more than 1,000 levels)",
        ),
        ('{"log": {"entries": [1]}}', "b: entry 1 has no request URL"),
        (
            "{nope",
            "b is not valid JSON (Expecting property name enclosed in double quotes at line 1 "
            "column 2)",
        ),
    ],
)
def test_a_malformed_capture_is_refused_saying_where(text: str, message: str) -> None:
    with pytest.raises(UsageProblem) as refused:
        parse(text, "b", HOSTS)
    assert refused.value.message == message


# -- comparing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "event", "why"),
    [
        ({"price": "30"}, {"price": 30}, []),
        ({"price": "30.0"}, {"price": 30}, []),
        ({"paid": "true"}, {"paid": True}, []),
        ({"referrer": ""}, {}, []),  # the pixel's usual r=
        ({"referrer": ""}, {"referrer": None}, []),
        ({"price": "30"}, {"price": 31}, ["value"]),
        ({"products_json": '[{"sku":"A"}]'}, {"products": [{"sku": "A"}]}, []),
        ({"products_json": '[{"sku":"A"}]'}, {"products_json": '[{"sku": "A"}]'}, []),
        ({"products_json": '[{"sku":"A"}]'}, {"products": [{"sku": "B"}]}, ["value"]),
        ({"_bsft_source": "web"}, {}, []),  # compared only when both have it
        ({"_bsft_source": "web"}, {"_bsft_source": "app"}, ["value"]),
        ({"orderId": "1"}, {"orderid": "1"}, ["renamed"]),
        ({"coupon": "X"}, {}, ["missing"]),
    ],
)
def test_the_pixel_sends_text(
    params: dict[str, Any], event: dict[str, Any], why: list[str]
) -> None:
    assert [d.why for d in compare(sent(**params), event)] == why


@pytest.mark.parametrize(
    ("value", "there", "why"),
    [
        (30, 30.0, []),
        (30, "30", ["type"]),
        (1, True, ["type"]),
        ([1, {"a": None}], [1, {"a": None}], []),
        ({"a": 1}, {"a": 1, "b": 2}, ["value"]),
        ("", None, []),
        (None, None, []),
        ("x", "X", ["value"]),
    ],
)
def test_an_event_api_body_keeps_its_types(value: Any, there: Any, why: list[str]) -> None:
    assert [d.why for d in compare(sent(text=False, v=value), {"v": there})] == why


def test_same_json_at_any_depth() -> None:
    def deep(leaf: Any) -> Any:
        value = leaf
        for _ in range(5000):
            value = [{"a": value}]
        return value

    assert same_json(deep(1), deep(1.0))
    assert not same_json(deep(1), deep("1"))


# -- matching ---------------------------------------------------------------------------------


def statuses(sent_events: list[Sent], events: list[dict[str, Any]], **options: Any) -> list[str]:
    return [o.status for o in reconcile(sent_events, events, **options)]


def test_the_window_is_5_minutes_before_and_an_hour_after_by_default() -> None:
    one = [sent("view", sku="A")]
    for offset, status in (
        (-301, "missing"),
        (-299, "arrived"),
        (3599, "arrived"),
        (3601, "missing"),
    ):
        assert statuses(one, [arrived(T + offset, "view", "u", sku="A")]) == [status], offset
    assert statuses(one, [arrived(T + 7000, "view", "u", sku="A")], window=7200) == ["arrived"]


def test_identity_on_both_sides_must_agree() -> None:
    one = [sent("view")]
    assert statuses(one, [arrived(T, "view", "u", cookie="other")]) == ["missing"]
    assert statuses(one, [arrived(T, "view", "u", cookie="c1", email="a@b.c")]) == ["arrived"]
    api = [Sent("p", "event-api", T, T, 200, "", {}, {"email": "Ana@X.io"}, None, False, 0)]
    assert statuses(api, [arrived(T, "p", "u", email="ana@x.io")]) == ["arrived"]


def test_the_most_parameters_equal_then_the_nearest() -> None:
    one = [sent("view", a="1", b="2")]
    near = arrived(T + 1, "view", "near", a="1", b="9")
    far = arrived(T + 600, "view", "far", a="1", b="2")
    (outcome,) = reconcile(one, [near, far])
    assert (outcome.status, outcome.arrived) == ("arrived", far)
    later = arrived(T + 2, "view", "later", a="1", b="8")
    (outcome,) = reconcile([sent("view", a="1", b="3")], [later, near])
    assert (outcome.status, outcome.arrived) == ("changed", near)


def test_an_event_that_arrived_unchanged_is_not_taken_by_another_sent_far_away() -> None:
    # The first arrived changed; the second arrived as sent, ten minutes later.
    first, second = sent("view", T, sku="A"), sent("view", T + 600, sku="A")
    mine = arrived(T + 601, "view", "second", sku="A")
    theirs = arrived(T + 1, "view", "first", sku="changed")
    outcomes = reconcile([first, second], [theirs, mine])
    assert [(o.status, o.arrived) for o in outcomes] == [("changed", theirs), ("arrived", mine)]


def test_one_arrived_event_to_each_sent_and_copies_counted() -> None:
    one = [sent("view", sku="A"), sent("view", T + 30, sku="A")]
    events = [arrived(T + 1, "view", "1", sku="A"), arrived(T + 31, "view", "2", sku="A")]
    assert [o.duplicates for o in reconcile(one, events)] == [1, 1]
    copies = [
        *events,
        arrived(T + 1.5, "view", "3", sku="A"),
        arrived(T + 10, "view", "4", sku="A"),
    ]
    outcomes = reconcile(one, copies, span=(T, T + 40), unsent=True)
    # Half a second after the first: a double send. Nine seconds after: another event.
    assert [(o.status, o.duplicates) for o in outcomes] == [
        ("arrived", 2),
        ("unsent", 0),
        ("arrived", 1),
    ]


def test_the_senders_event_uuid_decides() -> None:
    with_uuid = Sent("p", "event-api", T, T, 200, "", {"n": 1}, {}, "abc", False, 0)
    events = [
        arrived(T - 9000, "p", "ABC", n=2),
        arrived(T, "p", "abc", n=1),
        arrived(T, "p", "x", n=1),
    ]
    (outcome,) = reconcile([with_uuid], events)
    assert (outcome.status, outcome.duplicates, outcome.arrived) == ("changed", 2, events[0])
    assert statuses([with_uuid], events[2:]) == ["missing"]


def test_an_id_on_an_event_of_another_name_is_not_the_sent_event() -> None:
    with_uuid = Sent("purchase", "event-api", T, T, 200, "", {"n": 1}, {}, "u1", False, 0)
    # The same id on a page_view (any case), and on the purchase itself, sent twice.
    other = arrived(T, "page_view", "U1", n=1)
    (outcome,) = reconcile([with_uuid], [other])
    assert (outcome.status, outcome.arrived, outcome.duplicates) == ("changed", other, 1)
    assert [d.as_json() for d in outcome.differences] == [
        {"key": "event", "sent": "purchase", "arrived": "page_view", "why": "value",
         "arrived_key": "event"},
    ]  # fmt: skip
    copies = [other, arrived(T, "purchase", "u1", n=1), arrived(T + 0.5, "purchase", "u1", n=1)]
    (outcome,) = reconcile([with_uuid], copies)
    assert (outcome.status, outcome.arrived, outcome.duplicates) == ("arrived", copies[1], 2)
    # A number sent as the id matches the number that arrived, as --show finds it.
    numbered = Sent("p", "event-api", T, T, 200, "", {}, {}, "42", False, 0)
    assert statuses([numbered], [arrived(T, "p", 42)]) == ["arrived"]


def test_what_fails_never_takes_an_arrival() -> None:
    rejected = Sent("view", "pixel", T, T, 400, "bad", {}, {}, None, True, 0)
    blocked = Sent("view", "pixel", T, T, 0, "net::ERR_BLOCKED_BY_CLIENT", {}, {}, None, True, 1)
    events = [arrived(T, "view", "1")]
    outcomes = reconcile([rejected, blocked], events, span=(T, T), unsent=True)
    assert [o.status for o in outcomes] == ["rejected", "blocked", "unsent"]


def test_what_it_comes_to() -> None:
    one = [sent("a"), sent("b", T + 1, url="y"), sent("c", T + 2)]
    outcomes = reconcile(one, [arrived(T, "a", "1"), arrived(T + 1, "b", "2", url="x")])
    assert summary(outcomes) == "3 sent · 1 arrived · 1 changed · 1 missing"
    assert not_arrived(outcomes)
    assert not not_arrived(outcomes[:2])
    assert not_arrived(outcomes[:2], strict=True)
    assert still_missing(one, [], 3600) == "what was sent (3 of 3 events)"
    assert still_missing(one[:1], [arrived(T, "a", "1")], 3600) is None
