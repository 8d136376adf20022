"""`--wait` treats calls as scarce: the pacing as arithmetic, the pipeline's waits with an
injected clock against the stand-in, and the console script under a clock that runs
twenty times faster (libfaketime), so that a minute of waiting takes three seconds."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bsevents.app.result import FetchOptions, Wait
from bsevents.app.wait import allowance, parse_wait, schedule, wait_for
from bsevents.errors import AnswerIsNo, RateLimited
from tests.conftest import CUSTOMER, make_event
from tests.recorder import FakeClock, Recorder, context
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

OLD = make_event(event="pageload", event_uuid="00000000-0000-4000-8000-000000000001")
PURCHASE = make_event(
    event="purchase",
    event_uuid="00000000-0000-4000-8000-000000000002",
    timestamp="2021-06-24T05:00:00Z",
    order_id="ORD-7",
)
FAKETIME = next(iter(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")), None)
needs_faketime = pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed")


# The pacing as arithmetic --------------------------------------------------------------


def test_a_wait_spends_at_most_half_of_the_calls_left_and_never_the_last() -> None:
    assert [allowance(left) for left in range(11)] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]


@pytest.mark.parametrize(
    ("seconds", "after_send", "moments"),
    [
        (20, False, [0, 10, 20]),  # the first answer, one poll, one at the deadline
        (20, True, [10, 20]),  # after a send: nothing asked for 10 s
        (60, False, [0, 10, 30, 60]),
        (900, False, [0, 10, 30, 70, 150]),  # 5 of a full budget: half of the 10
        (3, False, [0]),
        (8, True, [8]),
        (12, False, [0, 10]),  # a poll 2 s after the last would only spend a call
    ],
)
def test_the_interval_starts_at_10_s_and_doubles(
    seconds: float, after_send: bool, moments: list[float]
) -> None:
    assert schedule(10, seconds, 5, answered_at_start=not after_send) == moments


def test_parse_wait() -> None:
    assert parse_wait("15m") == 900
    assert parse_wait("90") == 90


# The pipeline's wait, with an injected clock --------------------------------------------


def _wait(seconds: float, *, sent: bool = False) -> Wait:
    return Wait(
        seconds,
        lambda events: any(e.get("event") == "purchase" for e in events),
        "purchase event",
        0.0 if sent else None,
    )


@pytest.mark.parametrize(
    ("seconds", "calls", "slept", "why"),
    [
        (20, 3, [10, 10], "within 20s · 3 calls spent"),
        (60, 4, [10, 20, 30], "within 1m · 4 calls spent"),
        (
            900,
            5,
            [10, 20, 40, 80],
            "after 2m30s · 5 calls spent, the most a wait may spend of the 10 left this hour",
        ),
    ],
)
def test_a_wait_that_finds_nothing_spends_what_the_plan_says(
    standin: StandIn, seconds: float, calls: int, slept: list[float], why: str
) -> None:
    standin.customers[CUSTOMER] = [OLD]
    clock = FakeClock()
    recorder = Recorder()
    with pytest.raises(AnswerIsNo) as told:
        wait_for(context(recorder, clock=clock.clock()), CUSTOMER, _wait(seconds), FetchOptions())
    assert len(standin.show_events_requests()) == calls
    assert told.value.message == f"no purchase event for customer {CUSTOMER} {why}"
    assert clock.slept == slept


def test_a_first_look_in_a_stored_copy_says_so_and_how_old_it_is(standin: StandIn) -> None:
    from bsevents.app.fetch import fetch

    standin.customers[CUSTOMER] = [OLD]
    clock = FakeClock()
    fetch(context(clock=clock.clock()), CUSTOMER, FetchOptions())  # the copy, stored
    clock.sleep(40)  # fresh for a minute (cache-ttl), but no longer "just now"
    recorder = Recorder()
    with pytest.raises(AnswerIsNo):
        wait_for(context(recorder, clock=clock.clock()), CUSTOMER, _wait(20), FetchOptions())
    assert recorder.notes[0] == "not in the stored copy fetched 40 s ago (no call spent on it)"
    assert len(standin.show_events_requests()) == 3  # the copy's, then two polls


def test_a_long_wait_ends_when_its_allowance_is_spent_saying_so(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    clock = FakeClock()
    with pytest.raises(AnswerIsNo) as told:
        wait_for(context(clock=clock.clock()), CUSTOMER, _wait(900), FetchOptions())
    assert clock.elapsed == 150  # not the whole 15 minutes: no call is left to poll with
    assert told.value.message == (
        f"no purchase event for customer {CUSTOMER} after 2m30s · 5 calls spent, the most a "
        "wait may spend of the 10 left this hour"
    )


def test_after_a_send_the_first_poll_waits_10_s(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.arrive(CUSTOMER, PURCHASE, at_request=2)
    clock = FakeClock()
    recorder = Recorder()
    result = wait_for(
        context(recorder, clock=clock.clock()), CUSTOMER, _wait(60, sent=True), FetchOptions()
    )
    assert [e["event"] for e in result.events] == ["pageload", "purchase"]
    assert len(standin.show_events_requests()) == 2
    assert clock.slept == [10, 20]  # polls at +10 s and +30 s
    assert recorder.notes[0].startswith(
        f"waiting up to 1m for a purchase event for customer {CUSTOMER} · at most 3 calls of "
        "the 10 left this hour · next poll at "
    )
    assert recorder.notes[0].endswith(", in 10s · Ctrl-C to stop")
    assert recorder.notes[1].startswith("not there yet · 1 call spent · next poll at ")
    assert recorder.notes[-1] == "found after 30 s · 2 calls"


def test_a_wait_never_spends_the_last_call_nor_waits_without_one(
    standin: StandIn, cli: Any
) -> None:
    standin.customers[CUSTOMER] = [OLD]
    for _ in range(7):
        assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    clock = FakeClock()
    with pytest.raises(AnswerIsNo):
        wait_for(context(clock=clock.clock()), CUSTOMER, _wait(900), FetchOptions(refresh=True))
    assert len(standin.show_events_requests()) == 8  # 3 left: half is 1
    with pytest.raises(AnswerIsNo):
        wait_for(context(clock=clock.clock()), CUSTOMER, _wait(900), FetchOptions(refresh=True))
    assert len(standin.show_events_requests()) == 9  # 2 left: 1, and 1 kept
    with pytest.raises(RateLimited) as refused:
        wait_for(context(clock=clock.clock()), CUSTOMER, _wait(900), FetchOptions(refresh=True))
    assert refused.value.message == (
        "1 call left this hour, kept for you, so there is nothing to wait with"
    )
    assert len(standin.show_events_requests()) == 9


def test_a_poll_that_finds_the_budget_spent_by_others_spends_nothing(
    standin: StandIn, cli: Any
) -> None:
    standin.customers[CUSTOMER] = [OLD]
    clock = FakeClock()

    def teammate_spends(seconds: float) -> None:
        clock.sleep(seconds)
        while len(standin.show_events_requests()) < 9:  # someone else, meanwhile
            assert cli("events", CUSTOMER, "--refresh").exit_code == 0

    recorder = Recorder()
    ctx = context(recorder, clock=clock.clock())
    ctx.clock = type(ctx.clock)(now=clock.now, monotonic=clock.monotonic, sleep=teammate_spends)
    with pytest.raises(AnswerIsNo):
        wait_for(ctx, CUSTOMER, _wait(60), FetchOptions())
    assert len(standin.show_events_requests()) == 9  # the wait's first answer and 8 others
    assert recorder.warnings[0] == (
        "no poll now: 1 call left this hour, and the last is kept for you"
    )


# Through the console script, twenty times faster ------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LD_PRELOAD": str(FAKETIME), "FAKETIME": "+0 x20"}
    # --timeout 600: at twenty times the speed, 30 s would be 1.5 s of a busy machine
    slow = ["--timeout", "600"] if args[0] == "events" else []
    return subprocess.run(
        [str(SCRIPT), *args, *slow],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@needs_faketime
def test_wait_finds_an_event_that_arrives_while_it_waits(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.arrive(CUSTOMER, PURCHASE, at_request=3)
    done = run("events", CUSTOMER, "--wait", "60s", "-t", "purchase", "--where", "order_id=ORD-7")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [PURCHASE]  # the events that pass, nothing else
    assert len(standin.show_events_requests()) == 3  # at 0, 10 and 30 s
    lines = done.stderr.splitlines()
    assert lines[0].startswith(
        f"waiting up to 1m for a purchase event with order_id=ORD-7 for customer {CUSTOMER} "
        "· at most 4 calls of the 10 left this hour · next poll at "
    )
    # The seconds depend on how fast this machine answers under libfaketime (twenty times
    # as long): the schedule itself is checked exactly with a fake clock above.
    assert re.fullmatch(r"not there yet · 2 calls spent · next poll at \S+, in \d+s", lines[1])
    assert re.fullmatch(r"found after \d+ s · 3 calls", lines[2]), lines
    assert int(lines[2].split()[2]) >= 30  # never before the poll at +30 s


@needs_faketime
def test_wait_deadline_exits_6_having_spent_three_calls_in_20_s(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    done = run("events", CUSTOMER, "--wait", "20s", "--where", "order_id=ORD-9", "--json")
    assert (done.returncode, done.stdout) == (6, "")
    assert len(standin.show_events_requests()) == 3
    assert done.stderr.splitlines()[-1] == (
        f"no event with order_id=ORD-9 for customer {CUSTOMER} within 20s · 3 calls spent"
    )
    quota = json.loads(run("quota", "--json").stdout)
    assert quota["remaining"] == 7


@needs_faketime
def test_wait_honours_a_429_hold(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.reply(Reply(200, [OLD]), Reply(429, {"message": "Rate limit exceeded"}))
    done = run("events", CUSTOMER, "--wait", "60s", "--type", "purchase")
    assert done.returncode == 6
    assert len(standin.show_events_requests()) == 2  # nothing more during the hold
    assert "live calls are held until" in done.stderr
    assert done.stderr.splitlines()[-1].endswith("within 1m · 2 calls spent")


@needs_faketime
def test_a_first_call_that_fails_for_good_exits_at_once_and_a_5xx_is_waited_out(
    standin: StandIn,
) -> None:
    done = run("events", CUSTOMER, "--wait", "10m", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 1  # connection refused: a wrong URL does not wait 10 minutes
    assert "could not connect to 127.0.0.1:9" in done.stderr
    standin.customers[CUSTOMER] = [OLD, PURCHASE]
    standin.reply(Reply(503, {"message": "Service Unavailable"}))
    done = run("events", CUSTOMER, "--wait", "30s", "-t", "purchase")
    assert done.returncode == 0, done.stderr
    assert "Blueshift had a server problem (503 Service Unavailable); polling again" in (
        done.stderr
    )
    assert len(standin.show_events_requests()) == 2  # the 503, then the poll that found it


def test_a_stored_answer_with_a_match_returns_at_once(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [OLD, PURCHASE]
    assert cli("events", CUSTOMER).exit_code == 0
    done = cli("events", CUSTOMER, "--wait", "10m", "--where", "order_id=ORD-7")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == [PURCHASE]
    assert len(standin.show_events_requests()) == 1  # the stored copy answered
    assert "waiting" not in done.stderr


@needs_faketime
def test_wait_works_with_a_human_view(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.arrive(CUSTOMER, PURCHASE, at_request=2)
    done = run("events", CUSTOMER, "--wait", "30s", "-t", "purchase", "--view", "timeline")
    assert done.returncode == 0, done.stderr
    assert "purchase" in done.stdout
    assert "pageload" not in done.stdout


def test_ctrl_c_during_a_wait_exits_130(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    process = subprocess.Popen(
        [str(SCRIPT), "events", CUSTOMER, "--wait", "10m", "-t", "purchase"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    assert first.startswith("waiting up to 10m for a purchase event")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == ""
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wait", "soon"], "--wait 'soon' is not a duration"),
        (["--wait", "2d"], "--wait 2d is longer than a day"),
        (["--wait", "1m", "--watch"], "--wait and --watch do not go together"),
        (["--wait", "1m", "--offline"], "--wait and --offline do not go together"),
        (["--wait", "1m", "--curl"], "--wait and --curl do not go together"),
        (["--wait", "1m", "--show", "x"], "--wait and --show do not go together"),
        (["--wait", "1m", "--new"], "--wait and --new do not go together"),
        (["--wait", "1m", "--force"], "--wait and --force do not go together"),
    ],
)
def test_wait_refuses_what_it_cannot_honour(
    cli: Any, standin: StandIn, args: list[str], message: str
) -> None:
    result = cli("events", CUSTOMER, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert standin.requests == []


def test_wait_with_a_local_source_is_refused(cli: Any) -> None:
    result = cli("events", "--demo", "--wait", "1m")
    assert result.exit_code == 2
    assert "--wait asks Blueshift again and again; --demo and --from-file make no call" in (
        result.stderr
    )


def test_with_no_call_to_wait_with_a_fresh_copy_is_still_looked_at(
    standin: StandIn, cli: Any
) -> None:
    # 2 an hour, 1 spent by the fetch that stored the copy: no call to wait with. The copy
    # costs nothing: it answers, and what it lacks is a "no" (6), as after a spent wait.
    standin.customers[CUSTOMER] = [OLD, PURCHASE]
    assert cli("config", "set", "hourly-cap", "2").exit_code == 0
    assert cli("events", CUSTOMER).exit_code == 0
    found = cli("events", CUSTOMER, "--wait", "5m", "-t", "purchase")
    assert found.exit_code == 0, found.stderr
    assert [e["event"] for e in json.loads(found.stdout)] == ["purchase"]
    missing = cli("events", CUSTOMER, "--wait", "5m", "-t", "signup")
    assert missing.exit_code == 6, missing.stderr
    assert missing.stderr.splitlines()[-1] == (
        f"no signup event for customer {CUSTOMER} in the stored copy fetched just now · 0 "
        "calls spent, as none is left to wait with this hour"
    )
    assert len(standin.show_events_requests()) == 1
