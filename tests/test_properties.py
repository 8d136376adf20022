"""Property tests: customer parsing, event ordering and terminal sanitising hold for any
input hypothesis can think of, not just the examples we did."""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bsevents.errors import UsageProblem
from bsevents.model.customer import parse_customer
from bsevents.model.event_time import event_time
from bsevents.model.events import sort_events
from bsevents.model.sanitize import clean, escape_json_text

UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u2028\u2029\ufeff]"
)
UUID_IN_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


@st.composite
def any_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))


@st.composite
def dashboard_urls(draw: st.DrawFn) -> tuple[str, str]:
    uuid = str(draw(st.uuids()))
    scheme = draw(st.sampled_from(["https://", "http://", ""]))
    host = draw(st.sampled_from(["app.getblueshift.com", "app.eu.getblueshift.com"]))
    hash_ = draw(st.sampled_from(["#", ""]))
    suffix = draw(
        st.sampled_from(
            ["", "/", "/show/overview", "/show/events", "?tab=1", "/show/overview?x=y#z"]
        )
    )
    wrap = draw(st.sampled_from(["", "'", '"', " ", "\n", "<"]))
    closing = {"<": ">"}.get(wrap, wrap)
    url = f"{scheme}{host}/dashboard{hash_}/app/customer/{draw(any_case(uuid))}{suffix}"
    return f"{wrap}{url}{closing}", uuid


@given(st.uuids(), st.data())
def test_any_uuid_in_any_case_is_accepted(value: uuidlib.UUID, data: st.DataObject) -> None:
    text = data.draw(any_case(str(value)))
    assert parse_customer(text).uuid == str(value)


@given(dashboard_urls())
def test_any_uuid_in_any_dashboard_url_is_found(case: tuple[str, str]) -> None:
    text, uuid = case
    assert parse_customer(text).uuid == uuid


@settings(max_examples=100)
@given(st.text())
def test_nothing_without_a_uuid_is_accepted(text: str) -> None:
    try:
        customer = parse_customer(text)
    except UsageProblem:
        return
    # Anything accepted must really contain the UUID it returned.
    assert UUID_IN_TEXT.search(text)
    assert customer.uuid in text.lower()


@given(st.text(), st.uuids())
def test_foreign_hosts_are_refused(path: str, value: uuidlib.UUID) -> None:
    text = f"https://example.com/dashboard#/app/customer/{value}/{path}"
    try:
        parse_customer(text)
    except UsageProblem:
        return
    raise AssertionError(f"accepted {text!r}")


timestamps = st.one_of(
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=30),
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f+05:30")),
    st.integers(min_value=0, max_value=2_000_000_000).map(str),
    st.lists(st.integers(), max_size=2),
    st.just('2021-06-24T04:53:54Z",'),
    st.just("string"),
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {"n": draw(st.integers())}
    for key in ("timestamp", "timestamp_epoch", "_bsft_ts"):
        if draw(st.booleans()):
            event[key] = draw(timestamps)
    return event


@settings(max_examples=100)
@given(st.lists(events(), max_size=30))
def test_ordering_is_total_stable_and_never_fails(items: list[dict[str, Any]]) -> None:
    ordered = sort_events(items)
    assert sorted(map(id, ordered)) == sorted(map(id, items))  # a permutation
    times = [event_time(e) for e in ordered]
    timed = [t for t in times if t is not None]
    assert timed == sorted(timed)
    first_untimed = next((i for i, t in enumerate(times) if t is None), len(times))
    assert all(t is None for t in times[first_untimed:])
    # Untimed events keep their original relative order; so do equal times.
    untimed = [e for e in items if event_time(e) is None]
    assert [id(e) for e in ordered[first_untimed:]] == [id(e) for e in untimed]
    assert [id(e) for e in sort_events(ordered)] == [id(e) for e in ordered]


@settings(max_examples=150)
@given(st.text())
def test_no_control_character_survives_clean(text: str) -> None:
    assert UNSAFE.search(clean(text)) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100)
@given(json_values)
def test_escaped_json_is_the_same_data_and_terminal_safe(value: Any) -> None:
    text = escape_json_text(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert re.search("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text) is None
    assert re.search("[\x00-\x1f]", text) is None  # json.dumps escapes C0 itself
