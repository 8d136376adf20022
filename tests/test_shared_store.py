"""The shared store's naming and masking: pure functions, no Redis needed."""

from __future__ import annotations

import re

import pytest

from bsevents.errors import UsageProblem
from bsevents.model.sanitize import mask_url
from bsevents.state.redis_store import check_shared_url, clean_who, shared_account_id
from tests.conftest import API_KEY


def test_the_account_id_is_an_hmac_of_the_key() -> None:
    one = shared_account_id("us", API_KEY)
    assert one == shared_account_id("us", API_KEY)
    assert one != shared_account_id("eu", API_KEY)
    assert one != shared_account_id("us", API_KEY + "x")
    assert re.fullmatch(r"us-[0-9a-f]{32}", one)
    assert API_KEY not in one


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://:pw@h:6379/0", "redis://:***@h:6379/0"),
        ("rediss://team:pw@redis.example.com:6380", "rediss://team:***@redis.example.com:6380"),
        ("redis://h:6379", "redis://h:6379"),
        ("redis://pw@h", "redis://***@h"),
        ("unix:///run/r.sock?db=1&password=pw", "unix:///run/r.sock?db=1&password=***"),
        ("redis://:p%40ss@h", "redis://:***@h"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize("url", ["http://h", "redis://", "redis://h:port", "ftp://u:pw@h"])
def test_check_shared_url_refuses_what_is_no_redis_url(url: str) -> None:
    with pytest.raises(UsageProblem) as caught:
        check_shared_url(url)
    assert "pw" not in caught.value.message


def test_check_shared_url_takes_the_three_schemes_and_empty() -> None:
    for url in ("redis://h", "rediss://:pw@h:6380/2", "unix:///run/redis.sock"):
        assert check_shared_url(f"  {url} ") == url
    assert check_shared_url("  ") == ""


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("ana@laptop", "ana@laptop"),
        (b"ben@desk-1.example", "ben@desk-1.example"),
        ("\x1b[31mred\x07", "??31mred?"),
        ("x" * 500, "x" * 64),
        ("", None),
        (42, None),
    ],
)
def test_clean_who(raw: object, cleaned: str | None) -> None:
    assert clean_who(raw) == cleaned
