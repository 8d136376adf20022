"""The shared store's naming and masking, and what a member remembers of it: no Redis
needed."""

from __future__ import annotations

import json
import re

import pytest

from bsevents.errors import UsageProblem
from bsevents.model.sanitize import mask_url
from bsevents.state.ledger import seen
from bsevents.state.ledger.budget import Call
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


@pytest.mark.parametrize(
    ("url", "pieces"),
    [
        # The password runs to the last "@": every piece of it must stay unshown.
        ("redis://:hunter2@SECRETPART/x?y@127.0.0.1:16379/0", ["hunter2", "SECRETPART", "x?y"]),
        ("redis://:p@ss/w?rd#x y@127.0.0.1:16379/0", ["ss/w", "rd#x"]),
        ("redis://:ab?cd@127.0.0.1:6379", ["ab?cd"]),
        ("redis://:ab#cd@127.0.0.1:6379", ["ab#cd"]),
        ("rediss://u:pa/ss@127.0.0.1:6380/0", ["pa/ss"]),
    ],
)
def test_a_password_with_a_raw_slash_query_or_fragment_mark_is_refused_unshown(
    url: str, pieces: list[str]
) -> None:
    # urlsplit would end the user info early and take a piece of the password for the
    # host, which would be shown in warnings and looked up in DNS.
    with pytest.raises(UsageProblem) as caught:
        check_shared_url(url)
    message = caught.value.message
    assert message.startswith("not a URL: ")
    for piece in pieces:
        assert piece.lower() not in message.lower(), message
    for part in ("hunter2", "SECRETPART", "ab", "cd", "pa", "ss"):
        if part in url.rsplit("@", 1)[0]:
            assert part.lower() not in message.lower().replace("redis", ""), message
    assert "percent-encoded" in (caught.value.hint or "")


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


def test_what_was_seen_comes_back_on_this_machines_clock() -> None:
    call = Call(1_800_007_200.0, None, "200", True, "a" * 32, "ana@desk")
    seen.remember("us-x", seen.Seen((call,), 1_800_010_000.0, 7200.0))
    back = seen.recall("us-x")
    assert (back.calls, back.hold, back.offset) == ((call,), 1_800_010_000.0, 7200.0)
    here = back.here()  # this machine's clock is two hours behind the store's
    assert ([c.at for c in here.calls], here.hold, here.calls[0].by) == (
        [1_800_000_000.0],
        1_800_002_800.0,
        "ana@desk",
    )
    seen.forget("us-x", call_id="a" * 32)
    assert seen.recall("us-x").calls == ()
    seen.forget("us-x", hold=True)
    assert seen.recall("us-x") == seen.Seen((), None, 7200.0)


def test_a_damaged_or_hostile_seen_file_is_checked_value_by_value() -> None:
    calls = [
        {"id": "a" * 32, "at": 1e9, "uuid": "../x", "status": "\x1b[31m", "by": "\x07eve"},
        {"id": "not hex", "at": 1e9 + 1, "forced": 1},
        {"at": "soon"},
        "not a call",
    ]
    path = seen.seen_path("us-y")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 2, "offset": 0, "hold": "later", "calls": calls}))
    back = seen.recall("us-y")
    assert back.hold is None
    assert back.calls == (
        Call(1e9, None, "pending", False, "a" * 32, "?eve"),
        Call(1e9 + 1, None, "pending", False, None, None),
    )
    assert [c.call_id for c in back.calls] == ["a" * 32, None]  # ids do not take part in ==
    for text in ("[]", '{"version": 2, "offset": 1e300, "calls": []}', "{", "\u0000"):
        path.write_text(text)
        assert seen.recall("us-y") == seen.Seen()
