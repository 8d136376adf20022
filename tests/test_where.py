"""`--where` and `--exit-status` through the installed console script, and the condition
parser and matcher as pure functions."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bsevents.errors import UsageProblem
from bsevents.query.where import Condition, holds, parse_condition, parse_number
from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


EVENTS = [
    make_event(
        event="purchase",
        event_uuid=uid(1),
        timestamp="2026-11-20T10:00:00Z",
        order_id="ORD-1",
        revenue="12.50",
        paid=True,
        products=[{"sku": "A1", "qty": 2}],
        note=None,
    ),
    make_event(
        event="purchase",
        event_uuid=uid(2),
        timestamp="2026-11-20T11:00:00Z",
        order_id="ORD-2",
        revenue=12.5,
        paid=False,
        coupon="Spring-SALE",
        products=[{"sku": "B7", "qty": "3"}],
    ),
    make_event(
        event="pageload", event_uuid=uid(3), timestamp="2026-11-20T12:00:00Z", revenue="n/a"
    ),
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        input=stdin,
        timeout=60,
        check=False,
    )


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(EVENTS), "utf-8")
    return path


def shown(done: subprocess.CompletedProcess[str]) -> list[int]:
    assert done.returncode == 0, done.stderr
    return [int(e["event_uuid"][-3:]) for e in json.loads(done.stdout)]


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (["order_id=ORD-1"], [1]),
        (["paid=true"], [1]),
        (["paid=false"], [2]),
        (["revenue=12.50"], [1]),  # text: "12.50" as sent, not the number 12.5
        (["revenue=12.5"], [2]),
        (["note=null"], [1]),
        (["products.0.sku=B7"], [2]),
        (["order_id!=ORD-1"], [2, 3]),  # a missing path does not have that value
        (["revenue>10"], [1, 2]),  # "12.50" is a number sent as a string; "n/a" is not one
        (["revenue>=12.5"], [1, 2]),
        (["revenue<12.5"], []),
        (["revenue<=12.5"], [1, 2]),
        (["products.0.qty>2"], [2]),  # "3" > 2
        (["paid>0"], []),  # a boolean is not a number
        (["coupon~spring"], [2]),  # contains, ignoring case
        (["products~a1"], [1]),  # objects and arrays as their JSON text
        (["missing~x"], []),
        (["note"], []),  # present but null
        (["coupon"], [2]),
        (["products.1"], []),
        (["event=purchase", "revenue>12"], [1, 2]),  # all must hold
        (["event=purchase", "paid=true", "order_id=ORD-2"], []),
    ],
)
def test_where_operators(saved: Path, conditions: list[str], expected: list[int]) -> None:
    args = [arg for c in conditions for arg in ("--where", c)]
    assert shown(run("events", "--from-file", str(saved), "--json", *args)) == expected


def test_where_applies_to_every_view(saved: Path) -> None:
    csv = run(
        "events", "-f", str(saved), "--view", "csv", "--fields", "order_id", "--where", "paid"
    )
    assert csv.stdout.splitlines() == ["order_id", "ORD-1", "ORD-2"]
    table = run("events", "-f", str(saved), "--view", "table", "--where", "order_id=ORD-2")
    assert table.returncode == 0
    assert "1 of 3 events matches" in table.stdout
    ndjson = run("events", "-f", str(saved), "--view", "ndjson", "--where", "revenue>12.4")
    assert [json.loads(line)["event_uuid"] for line in ndjson.stdout.splitlines()] == [
        uid(1),
        uid(2),
    ]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("=ORD-1", "--where '=ORD-1' has no field path before the operator"),
        ("revenue>ten", "--where 'revenue>ten': > compares numbers, and 'ten' is not one"),
        ("revenue<=", "--where 'revenue<=': <= compares numbers, and '' is not one"),
        ("revenue>nan", "'nan' is not one"),
        ("coupon~", "--where 'coupon~' has no text to look for after ~"),
        ("paid!true", "--where 'paid!true' has no operator that bsevents knows"),
        ("revenue==5", "--where 'revenue==5': == is not an operator; revenue=5 compares text"),
        ("a..b=1", "--where 'a..b=1': the path 'a..b' has an empty part"),
    ],
)
def test_a_malformed_condition_exits_2_before_any_call(
    standin: StandIn, condition: str, message: str
) -> None:
    standin.customers[CUSTOMER] = EVENTS
    done = run("events", CUSTOMER, "--where", "order_id=ORD-1", "--where", condition)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr.splitlines()[0]  # the first line names the condition
    assert done.stderr.startswith("error: ")
    assert standin.requests == []


def test_exit_status_both_ways(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = EVENTS
    found = run("events", CUSTOMER, "-e", "--where", "order_id=ORD-2")
    assert found.returncode == 0, found.stderr
    assert [e["order_id"] for e in json.loads(found.stdout)] == ["ORD-2"]
    missing = run("events", CUSTOMER, "--exit-status", "--type", "refund")
    assert missing.returncode == 6
    assert json.loads(missing.stdout) == []  # the (empty) answer is still printed
    assert missing.stderr.splitlines()[-1] == "no event passes the filters"
    assert "error" not in missing.stderr
    quiet = run("events", CUSTOMER, "-e", "-q", "--where", "order_id=ORD-9")
    assert (quiet.returncode, quiet.stderr) == (6, "")
    # The two after the first came from the store: one call in all.
    assert len(standin.show_events_requests()) == 1
    # No filter given: the answer is "no events", not a filter that was never given.
    standin.customers["00000000-0000-4000-8000-0000000000aa"] = []
    nothing = run("events", "00000000-0000-4000-8000-0000000000aa", "-e")
    assert (nothing.returncode, nothing.stderr.splitlines()[-1]) == (6, "no events")


def test_exit_status_without_filters_is_about_any_event(saved: Path, tmp_path: Path) -> None:
    assert run("events", "-f", str(saved), "-e").returncode == 0
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert run("events", "-f", str(empty), "-e").returncode == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-e", "--curl"], "--exit-status and --curl do not go together"),
        (["-e", "--watch"], "--exit-status and --watch do not go together"),
    ],
)
def test_exit_status_refuses_what_shows_no_answer(
    cli: Any, standin: StandIn, args: list[str], message: str
) -> None:
    result = cli("events", CUSTOMER, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert standin.requests == []


# The parser and matcher as pure functions ----------------------------------------------


def test_parse_condition_splits_at_the_first_operator() -> None:
    assert parse_condition("url=https://x.test/?a=1") == Condition(
        "url=https://x.test/?a=1", "url", "=", "https://x.test/?a=1"
    )
    assert parse_condition(" revenue >= 10 ") == Condition(
        " revenue >= 10 ", "revenue", ">=", " 10 ", 10.0
    )
    assert parse_condition("a.b") == Condition("a.b", "a.b")
    assert parse_condition("name!=") == Condition("name!=", "name", "!=", "")
    with pytest.raises(UsageProblem):
        parse_condition("  ")


def test_a_dotted_key_is_found_whole_first() -> None:
    event = {"a.b": "whole", "a": {"b": "nested"}}
    assert holds(event, parse_condition("a.b=whole"))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_as_strings_compare_like_numbers(number: float) -> None:
    text = repr(number) if "e" not in repr(number) else f"{number:.17e}"
    assert parse_number(text) == float(text)
    event = {"v": text}
    assert holds(event, parse_condition(f"v>={number!r}")) is (float(text) >= number)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.text(), st.dictionaries(st.sampled_from(["a", "b", "a.b", "0"]), JSON))
def test_any_condition_parses_or_is_refused_and_never_crashes_on_an_event(
    text: str, event: dict[str, Any]
) -> None:
    try:
        condition = parse_condition(text)
    except UsageProblem:
        return
    assert isinstance(holds(event, condition), bool)


def test_huge_numbers_compare_exactly() -> None:
    huge = 10**400
    assert holds({"id": huge}, parse_condition("id>1e300"))
    assert holds({"id": str(huge)}, parse_condition(f"id>={huge}"))
    assert not holds({"id": str(huge)}, parse_condition(f"id>{huge}"))


def test_parse_number_is_strict() -> None:
    for text in ("", "1,5", "0x10", "1_000", "inf", "NaN", "+1", "1.", ".5", "1e999"):
        assert parse_number(text) is None, text
    assert parse_number(" -1.5e2 ") == -150.0


def test_a_where_on_a_field_no_event_has_is_warned_about(saved: Path) -> None:
    done = run("events", "-f", str(saved), "--where", "ordr_id=ORD-2", "--where", "ordr_id!=x")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    assert done.stderr.splitlines() == [
        "warning: no event has a field 'ordr_id': no event passes it",
        "warning: no event has a field 'ordr_id': every event passes it",
    ]
    # A field that some event has: no warning, whatever it finds.
    fine = run("events", "-f", str(saved), "--where", "order_id=ORD-404")
    assert (fine.returncode, fine.stderr) == (0, "")
