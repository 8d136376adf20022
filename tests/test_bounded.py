"""The pure bounds of `bsevents.api.bounded`: the JSON depth check agrees with the parser on
any JSON, and the body collector stops at its cap however the bytes arrive."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bsevents.api.bounded import BoundedBody, TooLarge, UnknownEncoding
from bsevents.model.answers import MAX_JSON_DEPTH
from bsevents.model.json_text import MAX_DEPTH, deeper_than, too_deep

# Strings full of what could fool a scan: brackets, quotes, backslashes and escapes.
tricky = st.text(alphabet='[]{}"\\\n/aé\u2028', max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky, inner, max_size=3),
    max_leaves=40,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(values, st.integers(min_value=0, max_value=6))
def test_deeper_than_agrees_with_the_real_depth(value: Any, limit: int) -> None:
    assert deeper_than(value, limit) == (depth(value) > limit)
    # Past MAX_DEPTH it walks with a stack instead of recursing: the same answers.
    deep: Any = value
    for _ in range(MAX_DEPTH + limit):
        deep = [deep]
    assert deeper_than(deep, MAX_DEPTH + limit + 1) == (depth(deep) > MAX_DEPTH + limit + 1)


@settings(max_examples=100, deadline=None)
@given(values, st.integers(min_value=0, max_value=6), st.booleans())
def test_too_deep_agrees_with_the_real_depth(value: Any, limit: int, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert too_deep(body, limit) == (depth(value) > limit)


def test_a_thousand_levels_are_too_deep_and_sixty_four_are_not() -> None:
    assert too_deep(b"[" * 1000 + b"]" * 1000, MAX_JSON_DEPTH)
    assert too_deep(b'{"a":' * 65 + b"1" + b"}" * 65, MAX_JSON_DEPTH)
    assert not too_deep(b'{"a":' * 64 + b"1" + b"}" * 64, MAX_JSON_DEPTH)


@pytest.mark.parametrize("step", [1, 7, 65536])
def test_a_gzip_body_arriving_in_any_pieces_stops_at_the_cap(step: int) -> None:
    packed = gzip.compress(bytes(10_000), mtime=0)

    def collect(limit: int) -> bytes:
        body = BoundedBody("gzip", limit)
        for start in range(0, len(packed), step):
            body.feed(packed[start : start + step])
        return body.finish()

    assert collect(10_000) == bytes(10_000)
    with pytest.raises(TooLarge) as raised:
        collect(9_999)
    assert raised.value.inflated


def test_plain_bytes_past_the_cap_and_unknown_encodings() -> None:
    body = BoundedBody("", 3)
    body.feed(b"abc")
    with pytest.raises(TooLarge) as raised:
        body.feed(b"d")
    assert not raised.value.inflated
    assert body.partial() == b"abc"
    for encoding in ("br", "gzip, gzip", "zstd"):
        with pytest.raises(UnknownEncoding):
            BoundedBody(encoding, 10)
    assert BoundedBody("identity", 10).finish() == b""
