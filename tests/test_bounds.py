"""Bounds on what a server, or a typo, can cost: the answer's size and memory, JSON depth,
Retry-After, options checked before a call is counted, and retries that keep their
promises. Every case runs the CLI (or the console script) against the stand-in."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bsevents.api.client import HOUR, retry_after
from bsevents.app.context import Clock
from bsevents.app.watch import watch
from tests.conftest import CUSTOMER, make_event
from tests.measure import run_measured
from tests.recorder import Recorder, context
from tests.standin import DEEP_JSON, DOCUMENTED_BODIES, Reply, StandIn, deep_object, gzip_bomb

GOOD = [make_event(event="identify")]
MB = 1024 * 1024
# The measured peak (README, "Limits") is about 160 MB at the default 128 MB cap: the
# capped body plus the interpreter. The bound leaves room for allocator noise only.
PEAK_BOUND_MB = 200
# send reads at most a megabyte of its answer: the interpreter and httpx, little more.
SEND_PEAK_BOUND_MB = 100
EVENT_KEY = "test-event-key-fedcba9876543210"


def quota(cli: Any) -> dict[str, Any]:
    result = cli("quota", "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def one_error(result: Any, code: int) -> str:
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- size and memory -------------------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap_within_bounded_memory(standin: StandIn) -> None:
    bomb = gzip_bomb(1024)  # 1 MB that inflates to 1 GB
    assert len(bomb) < 1.1 * MB
    standin.reply(Reply(200, bomb, gzip=True))
    code, out, err, peak = run_measured("events", CUSTOMER)
    assert (code, out) == (1, "")
    assert "error: the answer inflates to more than 128 MB; stopped reading it" in err
    assert "bsevents config set max-response-mb N" in err
    assert standin.requests[0].headers["accept-encoding"] == "gzip, deflate"
    assert peak < PEAK_BOUND_MB, f"peak RSS {peak:.0f} MB"
    print(f"gzip bomb: peak RSS {peak:.0f} MB")


def test_endless_body_stops_at_the_cap_within_bounded_memory(standin: StandIn) -> None:
    standin.reply(Reply(200, b"", endless=True))
    code, out, err, peak = run_measured("events", CUSTOMER)
    assert (code, out) == (1, "")
    assert "error: the answer is more than 128 MB; stopped reading it" in err
    assert peak < PEAK_BOUND_MB, f"peak RSS {peak:.0f} MB"
    print(f"endless body: peak RSS {peak:.0f} MB")


@pytest.mark.parametrize(
    ("reply", "what"),
    [
        (Reply(200, gzip_bomb(1024), gzip=True), "is"),  # 1 MB to 1 GB: its length says
        (Reply(200, gzip_bomb(512), gzip=True), "inflates to"),  # 0.5 MB to 512 MB
        (Reply(200, b"", endless=True), "is"),
        (Reply(200, b"", endless=True, chunked=True), "is"),
    ],
    ids=["gzip-bomb-1GB", "gzip-bomb-512MB", "endless", "endless-chunked"],
)
def test_send_stops_reading_its_answer_at_a_megabyte(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch, reply: Reply, what: str
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    standin.reply(reply)
    code, out, err, peak = run_measured("send", "signed_up", "--email", "maya@example.com")
    assert (code, out) == (1, ""), err
    uuid = json.loads(standin.event_requests()[0].body)["event_uuid"]
    assert err.splitlines() == [
        f"sending signed_up for email maya@example.com · event_uuid {uuid} (new)",
        f"error: the answer {what} more than 1 MB; stopped reading it, and the event may "
        f"have been accepted · event_uuid {uuid}",
        "  a proxy in front of the API may be misbehaving; look for the event with bsevents "
        "events before sending it again",
    ]
    assert standin.event_requests()[0].headers["accept-encoding"] == "gzip, deflate"
    assert peak < SEND_PEAK_BOUND_MB, f"peak RSS {peak:.0f} MB"
    print(f"send, {'gzip bomb' if reply.gzip else 'endless answer'}: peak RSS {peak:.0f} MB")


def test_send_reads_a_compressed_answer_within_the_cap(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    standin.reply(Reply(200, {"status": "ok"}, gzip=True))
    result = cli("send", "signed_up", "--email", "maya@example.com")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == json.loads(standin.event_requests()[0].body)["event_uuid"] + "\n"


def test_the_cap_is_a_setting_and_counts_the_call(standin: StandIn, cli: Any) -> None:
    assert cli("config", "set", "max-response-mb", "1").exit_code == 0
    standin.customers[CUSTOMER] = [make_event(event_uuid=f"e-{i}") for i in range(6000)]
    assert len(json.dumps(standin.customers[CUSTOMER])) > MB
    line = one_error(cli("events", CUSTOMER), 1)
    assert line == "error: the answer is more than 1 MB; stopped reading it"
    assert [c["status"] for c in quota(cli)["calls"]] == ["bad-response"]
    standin.customers[CUSTOMER] = standin.customers[CUSTOMER][:100]
    assert cli("events", CUSTOMER).exit_code == 0


def test_a_saved_answer_is_bounded_by_the_chosen_profile_s_cap(cli: Any, tmp_path: Path) -> None:
    assert cli("config", "set", "--profile", "small", "max-response-mb", "1").exit_code == 0
    saved = tmp_path / "big.json"
    saved.write_text(json.dumps([make_event(event_uuid=f"e-{i}") for i in range(6000)]))
    assert saved.stat().st_size > MB
    assert cli("events", "-f", str(saved), "--json").exit_code == 0  # default profile: 128 MB
    line = one_error(cli("events", "-f", str(saved), "--json", "--profile", "small"), 2)
    assert line == f"error: {saved} is larger than 1 MB; stopped reading it"


def test_a_declared_length_past_the_cap_is_refused_unread(standin: StandIn, cli: Any) -> None:
    cli("config", "set", "max-response-mb", "1")
    standin.reply(Reply(200, b"[]" * (MB // 2 + 1)))
    assert "is more than 1 MB" in one_error(cli("events", CUSTOMER), 1)


def test_gzip_within_the_cap_is_read(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, GOOD, gzip=True))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == GOOD


@pytest.mark.parametrize(
    "value", ["0", "-1", "4097", "1e3", "nan", "99999999999999999999999"], ids=str
)
def test_absurd_caps_are_refused(cli: Any, value: str) -> None:
    result = cli("config", "set", "--", "max-response-mb", value)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: expected ")
    assert cli("config", "get", "max-response-mb").stdout == "128\n"


def test_unknown_encoding_fails_but_a_status_wins(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, GOOD, {"Content-Encoding": "br"}))
    assert "an encoding bsevents did not ask for (br)" in one_error(cli("events", CUSTOMER), 1)
    standin.reply(Reply(429, b"\x00junk", {"Content-Encoding": "gzip", "Retry-After": "60"}))
    assert "rate limit is reached (429)" in one_error(cli("events", CUSTOMER, "--refresh"), 5)


def test_a_huge_error_body_is_cut_and_the_status_wins(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(503, b"", endless=True), Reply(503, gzip_bomb(1024), gzip=True))
    line = one_error(cli("events", CUSTOMER, "--retries", "1"), 1)
    assert line == "error: Blueshift had a server problem (503)"  # zeros say nothing
    assert [c["status"] for c in quota(cli)["calls"]] == ["503", "503"]


# --- JSON depth ----------------------------------------------------------------------


def test_events_nested_deeper_than_the_parser_goes_are_refused(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(200, b"[" + deep_object(100_000) + b"]"))
    line = one_error(cli("events", CUSTOMER), 1)
    assert line == (
        "error: the response nests arrays and objects too deeply to read (more than 1,000 levels)"
    )


def test_events_nested_within_the_bound_are_shown(standin: StandIn, cli: Any) -> None:
    nested: Any = "core"
    for _ in range(31):  # 62 levels, in an event (63) in the array (64)
        nested = {"n": [nested]}
    standin.customers[CUSTOMER] = [make_event(extra=nested)]
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["extra"] == nested


def test_a_deep_429_body_still_holds(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(429, deep_object(), {"Retry-After": "120"}))
    line = one_error(cli("events", CUSTOMER), 5)
    assert "live calls are held until" in line
    assert "(in 2 min)" in line
    assert quota(cli)["blocked_until"] is not None


def test_a_deep_503_body_is_still_retried(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = GOOD
    standin.reply(Reply(503, DEEP_JSON))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert "retry 1 of 2" in result.stderr
    assert [c["status"] for c in quota(cli)["calls"]] == ["503", "200"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (deep_object(), "it nests JSON more than 64 levels deep"),
        ({"users": 5}, "`users` must be a list and `user` an object"),
        ({"users": [], "user": 5}, "`users` must be a list and `user` an object"),
        ({"users": "x", "user": {}}, "`users` must be a list and `user` an object"),
        ([{"uuid": CUSTOMER}], "it is not a JSON object"),
        (b"<html>", "it is not valid JSON"),
    ],
    ids=["deep", "users-5", "user-5", "users-text", "array", "html"],
)
def test_search_answers_of_the_wrong_shape(standin: StandIn, cli: Any, body: Any, why: str) -> None:
    standin.reply(Reply(200, body))
    line = one_error(cli("events", "--email", "maya@example.com"), 1)
    assert line == f"error: unexpected answer from Search customer: {why}"
    assert len(standin.requests) == 1


# --- Retry-After -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["99999999999999999999", "9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT", "7200"],
    ids=["huge", "5000-digits", "year-9999", "two-hours"],
)
def test_retry_after_holds_at_most_an_hour(standin: StandIn, cli: Any, value: str) -> None:
    standin.reply(Reply(429, DOCUMENTED_BODIES[429], {"Retry-After": value}))
    line = one_error(cli("events", CUSTOMER), 5)
    assert "(in 60 min)" in line
    report = quota(cli)
    assert report["blocked_until"] is not None
    held = report["blocked_until"]
    assert isinstance(held, (int, float, str))


@pytest.mark.parametrize("value", ["0", "Thu, 01 Jan 1970 00:00:00 GMT"], ids=["zero", "past"])
def test_retry_after_zero_or_past_holds_nothing(standin: StandIn, cli: Any, value: str) -> None:
    standin.customers[CUSTOMER] = GOOD
    standin.reply(Reply(429, DOCUMENTED_BODIES[429], {"Retry-After": value}))
    line = one_error(cli("events", CUSTOMER), 5)
    assert line == (
        "error: Blueshift's rate limit is reached (429 Rate limit exceeded); Blueshift asks "
        "for no wait (Retry-After), so no hold is kept"
    )
    assert quota(cli)["blocked_until"] is None
    assert cli("events", CUSTOMER).exit_code == 0  # no hold stands in the way


@pytest.mark.parametrize("value", ["-5", "1e5", "nan", "\u00b2", "soon"], ids=repr)
def test_an_unreadable_retry_after_is_as_if_absent(standin: StandIn, cli: Any, value: str) -> None:
    standin.reply(Reply(429, DOCUMENTED_BODIES[429], {"Retry-After": value}))
    line = one_error(cli("events", CUSTOMER), 5)
    assert "live calls are held until" in line
    assert "(in 60 min)" in line  # the window's own hold: no call in it frees sooner


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("0" * 4400 + "7", 7), (" \t" + "0" * 6000 + "42\t ", 42), ("0" * 4400 + "99999", 3600)],
    ids=["4400-zeros-then-7", "whitespace-6000-zeros-then-42", "zeros-then-past-the-hour"],
)
def test_retry_after_with_leading_zeros_holds_for_its_value(
    standin: StandIn, cli: Any, value: str, seconds: int
) -> None:
    standin.reply(Reply(429, DOCUMENTED_BODIES[429], {"Retry-After": value}))
    before = time.time()
    line = one_error(cli("events", CUSTOMER), 5)
    after = time.time()
    assert "live calls are held until" in line
    report = quota(cli)
    held = datetime.fromisoformat(report["blocked_until"].replace("Z", "+00:00")).timestamp()
    # Held from the moment of the answer, to the second (quota shows whole seconds).
    assert int(before) + seconds - 1 <= held <= after + seconds
    assert [c["status"] for c in report["calls"]] == ["429"]  # not left pending


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=1, max_size=6000),
    zeros=st.integers(0, 5000),
    left=st.sampled_from(["", " ", "\t", " \t "]),
    right=st.sampled_from(["", " ", "\t", "\t\t"]),
)
def test_retry_after_reads_any_delay_seconds(
    digits: str, zeros: int, left: str, right: str
) -> None:
    significant = digits.lstrip("0")
    expected = HOUR if len(significant) > 4 else min(int(significant or "0"), HOUR)
    assert retry_after(f"{left}{'0' * zeros}{digits}{right}") == expected


@settings(max_examples=2000, deadline=None)
@given(st.text() | st.text(alphabet=" \t,:+-.0123456789GMTMonDecJan", max_size=80))
def test_retry_after_never_raises_and_stays_within_the_hour(value: str) -> None:
    wait = retry_after(value, now=1.7e9)
    assert wait is None or 0 <= wait <= HOUR


# --- redirects -------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["http://[::1/x]", "https://a]b/", "]", "http://[zz]/"])
def test_a_redirect_to_a_malformed_location_is_refused(
    standin: StandIn, cli: Any, location: str
) -> None:
    standin.reply(Reply(302, b"", {"Location": location}))
    line = one_error(cli("events", CUSTOMER), 1)
    assert "the server redirected to" in line
    assert "not followed" in line


# --- options checked before anything is counted --------------------------------------

BAD_OPTIONS = [
    ("--timeout", "nan"),
    ("--timeout", "inf"),
    ("--timeout", "-inf"),
    ("--timeout", "1e10"),
    ("--timeout", "601"),
    ("--timeout", "0"),
    ("--timeout", "abc"),
    ("--base-url", "https://api\t.example.com"),
    ("--base-url", "https://api.exa\x01mple.com"),
    ("--base-url", "https://a..b"),
    ("--base-url", "https://bäd.example.com"),
    ("--base-url", "https://xn--zz.example.com"),
    ("--base-url", "https://xn--abc-.example.com"),
    ("--base-url", f"https://{'a' * 64}.example.com"),
    ("--base-url", f"https://{'a.' * 127}com"),
    ("--base-url", "https://a_b.example.com"),
    ("--base-url", "http://[::1"),
    ("--base-url", "https://example.com:99999"),
    ("--base-url", "https://example.com:0"),
    ("--base-url", "https://user:secret@example.com"),
    ("--base-url", "https://example.com/a b"),
    ("--base-url", "ftp://example.com"),
    ("--base-url", "http://[::1]x/"),
    ("--base-url", "http://[::1];"),
    ("--base-url", "https://example.com/[x]"),
    ("--base-url", "https://xn--9a.example.com"),  # IDNA 2003 allows it, httpx does not
    ("--retries", "-1"),
    ("--retries", "6"),
    ("--retries", "nan"),
    ("--retries", "99999999999999999999"),
    ("--watch", "nan"),
    ("--watch", "inf"),
    ("--watch", "0"),
    ("--watch", "-5m"),
    ("--watch", "1e400"),
    ("--watch", "10s"),
    ("--watch", "9" * 400),
]


@pytest.mark.parametrize("email", [False, True], ids=["uuid", "email"])
@pytest.mark.parametrize(("option", "value"), BAD_OPTIONS, ids=repr)
def test_bad_options_cost_nothing(
    standin: StandIn, cli: Any, option: str, value: str, email: bool
) -> None:
    who = ["--email", "maya@example.com"] if email else [CUSTOMER]
    result = cli("events", *who, f"{option}={value}")
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr
    assert standin.requests == []
    assert quota(cli)["calls"] == []


@pytest.mark.parametrize(
    "value", ["https://a..b", "https://api\t.example.com", "https://bäd.example.com"], ids=repr
)
def test_a_bad_base_url_from_the_environment_costs_nothing(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BSEVENTS_BASE_URL", value)
    result = cli("events", CUSTOMER)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: base URL ")
    assert standin.requests == []


# --- retries keep their promises ------------------------------------------------------


def test_force_buys_one_call_never_its_retries(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = GOOD
    for _ in range(10):
        assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    standin.reply(*[Reply(503, DOCUMENTED_BODIES[503]) for _ in range(6)])
    result = cli("events", CUSTOMER, "--force", "--retries", "5")
    assert "503 Service Unavailable" in one_error(result, 1)
    assert "not retrying: the hourly cap is reached" in result.stderr
    assert len(standin.show_events_requests()) == 11
    assert [c["status"] for c in quota(cli)["calls"]][-2:] == ["200", "503"]


def test_watch_retries_stop_at_the_kept_call(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = GOOD
    for _ in range(7):
        assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    notes: list[str] = []

    def fake_sleep(seconds: float) -> None:
        standin.reply(*[Reply(503, DOCUMENTED_BODIES[503]) for _ in range(3)])

    recorder = Recorder(notes=notes, warnings=notes)
    reason = watch(
        context(recorder, clock=Clock(sleep=fake_sleep)),
        CUSTOMER,
        None,
        timeout=5,
        on_new=lambda events: None,
        retries=2,
    )
    # The baseline (call 8) and one poll (call 9): its retry would spend call 10.
    assert reason == "stopped: 1 call left this hour, kept for you"
    assert len(standin.show_events_requests()) == 9
    assert "not retrying: 1 call left this hour, kept for you" in notes
    assert quota(cli)["used"] == 9
