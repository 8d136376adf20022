"""Option values are what a person types: ASCII digits, one unit each in a duration, paths
with ASCII indices of bounded length. Anything else is a usage error (exit 2) before a
call is spent, never an internal error and never quietly read as something else.

Python reads other scripts' digits as numbers (`int("٣") == 3`, `"²".isdigit()`), and
`float()` reads `1_0` and `nan`: each class below failed on the starting point.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bsevents.model.fields import check_path, field_value
from bsevents.model.times import parse_duration
from tests.conftest import CUSTOMER, make_event
from tests.standin import StandIn

# Digits of other scripts, and look-alikes Python calls digits.
FOREIGN_DIGITS = ["١٠", "٣", "۳", "३", "৩", "３", "²", "𝟑"]


def _usage_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "internal error" not in result.stderr
    return str(result.stderr.splitlines()[0])


@pytest.mark.parametrize("digits", FOREIGN_DIGITS)
@pytest.mark.parametrize(
    ("option", "template"),
    [
        ("--timeout", "{}"),
        ("--retries", "{}"),
        ("--limit", "{}"),
        ("--since", "{}d"),
        ("--until", "{}h"),
        ("--wait", "{}m"),
    ],
)
def test_numbers_in_other_scripts_are_refused_before_a_call(
    standin: StandIn, cli: Any, option: str, template: str, digits: str
) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    line = _usage_error(cli("events", CUSTOMER, option, template.format(digits)))
    assert option in line
    assert standin.requests == []


@pytest.mark.parametrize("command", [["lint", CUSTOMER], ["send", "x", "--customer-id", "1"]])
def test_every_command_takes_ascii_numbers_only(
    standin: StandIn, cli: Any, command: list[str]
) -> None:
    line = _usage_error(cli(*command, "--timeout", "١٠"))
    assert line == (
        "error: invalid value for '--timeout': not a number: write it in ASCII digits (0-9)"
    )
    assert standin.requests == []


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--timeout", "nan", "not a number"),
        ("--timeout", "inf", "not a number"),
        ("--timeout", "1_0", "not a number"),
        ("--timeout", "0x10", "not a number"),
        ("--retries", "1_0", "not a whole number"),
        ("--retries", "1.0", "not a whole number"),
        ("--limit", "-3", "must be at least 1"),
        ("--timeout", "0.01", "must be at least 0.1"),
        ("--retries", "6", "must be at most 5"),
    ],
)
def test_numbers_python_reads_but_people_do_not_write(
    standin: StandIn, cli: Any, option: str, value: str, problem: str
) -> None:
    line = _usage_error(cli("events", CUSTOMER, option, value))
    assert line.endswith(f": {problem}")


@pytest.mark.parametrize("value", ["30", "2.5", "1e1", " 45 ", "600"])
def test_plain_numbers_still_work(standin: StandIn, cli: Any, value: str) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    result = cli("events", CUSTOMER, "--timeout", value, "--retries", "0", "--limit", "1")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "text",
    ["5m5m", "30m1h", "1h1h", "2d3d", "1h30m30m", "m", "5 m 5 m", "1.5.5m", "٥m", "٣", "²s"],
)
def test_a_duration_has_each_unit_once_largest_first_in_ascii_digits(text: str) -> None:
    # --since, --until, --wait and --watch (and its optional value) all read durations so.
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("6m", 360), ("1h30m", 5400), ("1.5h", 5400), ("1w2d3h4m5s", 788645)],
)
def test_durations_people_write(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_wait_5m5m_is_refused_before_a_call(standin: StandIn, cli: Any) -> None:
    line = _usage_error(cli("events", CUSTOMER, "--wait", "5m5m"))
    assert line == "error: --wait '5m5m' is not a duration"
    assert standin.requests == []


@pytest.mark.parametrize(
    "args",
    [
        ["--where", "products.²=1"],
        ["--where", "products.٣.sku"],
        ["--where", "products." + "9" * 5000 + "=1"],
        ["--fields", "products.²"],
        ["--fields", "event,products." + "9" * 5000],
        ["--where", "revenue>٣"],
    ],
    ids=["where-superscript", "where-arabic", "where-5000", "fields", "fields-5000", "number"],
)
def test_a_bad_path_or_number_in_an_option_is_a_usage_error(
    standin: StandIn, cli: Any, args: list[str]
) -> None:
    standin.customers[CUSTOMER] = [make_event(products=[{"sku": "A"}])]
    line = _usage_error(cli("events", CUSTOMER, *args))
    assert line.startswith(f"error: {args[0]} '")
    assert len(line) < 200  # the path is cut, not quoted whole
    assert standin.requests == []


def test_paths_take_ascii_indices_below_the_bound() -> None:
    event = make_event(products=[{"sku": "A"}, {"sku": "B"}], ids={"12345678901234567890": 1})
    assert field_value(event, "products.1.sku") == "B"
    assert field_value(event, "products.2.sku") is None
    assert field_value(event, "ids.12345678901234567890") == 1  # 20 digits: a key too
    assert check_path("a.²b.c", "--fields") == "a.²b.c"  # not all digits: a key
    # A path that never went through check_path still reads nothing, never raises.
    assert field_value(event, "products.²") is None
    assert field_value(event, "products." + "0" * 5000) is None


@pytest.mark.parametrize(
    "number", ["1e400", "-1e400", "1e-400", "-2.5e-999", "1" + "0" * 400 + ".0"]
)
@pytest.mark.parametrize("where", ["param", "data"])
def test_send_refuses_a_number_a_double_cannot_hold(
    standin: StandIn,
    cli: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    number: str,
    where: str,
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", "test-event-key-fedcba9876543210")
    data = tmp_path / "data.json"
    data.write_text(f'{{"x": [{number}]}}', "utf-8")
    given = ["-p", f"x:={number}"] if where == "param" else ["--data", str(data)]
    for curl in ([], ["--curl"]):
        line = _usage_error(cli("send", "ev", "--customer-id", "1", *given, *curl))
        assert line.endswith(f"{number} is beyond what a double holds")
    assert standin.requests == []


@pytest.mark.parametrize(
    ("number", "sent"), [("1e308", 1e308), ("0e-999", 0.0), ("-0.0", -0.0), ("12", 12)]
)
def test_send_takes_numbers_a_double_holds(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch, number: str, sent: float
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", "test-event-key-fedcba9876543210")
    result = cli("send", "ev", "--customer-id", "1", "-p", f"x:={number}")
    assert result.exit_code == 0, result.output
    (request,) = standin.event_requests()
    assert json.loads(request.body)["x"] == sent
