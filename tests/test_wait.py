"""`--wait`: through the console script against the stand-in (with the test-only shorter
minimum poll interval), and the pacing as a pure function."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
from typing import Any

import pytest

from bsevents.app.wait import KEEP, MIN_POLL_ENV, Step, next_step, parse_wait
from bsevents.state.ledger.local import Budget, Call
from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

SHORTEST = 0.2  # the minimum poll interval these tests use instead of 5 s
# The stand-in's clock reads a request a moment after it is sent: allow for that.
JITTER = 0.02
OLD = make_event(event="pageload", event_uuid="00000000-0000-4000-8000-000000000001")
PURCHASE = make_event(
    event="purchase",
    event_uuid="00000000-0000-4000-8000-000000000002",
    timestamp="2021-06-24T05:00:00Z",
    order_id="ORD-7",
)


def env() -> dict[str, str]:
    return {**os.environ, MIN_POLL_ENV: str(SHORTEST)}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env(), timeout=60, check=False
    )


def gaps(standin: StandIn) -> list[float]:
    times = [r.at for r in standin.show_events_requests()]
    return [b - a for a, b in itertools.pairwise(times)]


def test_wait_finds_an_event_that_arrives_while_it_waits(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.arrive(CUSTOMER, PURCHASE, at_request=3)
    done = run(
        "events", CUSTOMER, "--wait", "3s", "--type", "purchase", "--where", "order_id=ORD-7"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [PURCHASE]  # the events that pass, nothing else
    # The first answer, then polls: 9 calls left less the one kept = 8 over 3 s, one every
    # 3/8 s or a little less; the event is there at the third request.
    assert len(standin.show_events_requests()) == 3
    assert all(gap >= SHORTEST - JITTER for gap in gaps(standin)), gaps(standin)
    lines = done.stderr.splitlines()
    assert lines[0] == (
        f"waiting up to 3s for a purchase event with order_id=ORD-7 for customer {CUSTOMER} "
        "· at most 8 calls this hour · Ctrl-C to stop"
    )
    found = [line for line in lines if line.startswith("found after ")]
    assert len(found) == 1, lines
    assert found[0].endswith(" s · 3 calls")


def test_wait_deadline_exits_6_having_spent_the_budget_less_one(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    done = run("events", CUSTOMER, "--wait", "8s", "--where", "order_id=ORD-9", "--json")
    assert done.returncode == 6
    assert done.stdout == ""
    # 10 an hour: the first call and 8 polls (1 s apart, time enough for a loaded
    # machine to keep to the plan), one kept for the user.
    assert len(standin.show_events_requests()) == 10 - KEEP
    assert all(gap >= SHORTEST - JITTER for gap in gaps(standin))
    assert done.stderr.splitlines()[-1] == (
        f"no event with order_id=ORD-9 for customer {CUSTOMER} within 8s · 9 calls spent"
    )
    quota = json.loads(run("quota", "--json").stdout)
    assert quota["remaining"] == KEEP


def test_wait_never_polls_faster_than_the_minimum_interval(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    assert run("events", CUSTOMER).returncode == 0  # stored: the wait starts from the store
    done = subprocess.run(
        [str(SCRIPT), "events", CUSTOMER, "--wait", "3.5s", "--type", "purchase"],
        capture_output=True,
        text=True,
        env={**os.environ, MIN_POLL_ENV: "1"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 6
    # 8 polls would fit the budget, but 3.5 s at 1 s apart leaves room for 3 at most (fewer
    # when the answers take long on a loaded machine).
    polls = len(standin.show_events_requests()) - 1
    assert 1 <= polls <= 3
    assert all(gap >= 1 - JITTER for gap in gaps(standin)[1:]), gaps(standin)
    assert done.stderr.splitlines()[-1].endswith(f"within 4s · {polls} calls spent")


def test_wait_honours_a_429_hold(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.reply(Reply(200, [OLD]), Reply(429, {"message": "Rate limit exceeded"}))
    done = run("events", CUSTOMER, "--wait", "2s", "--type", "purchase")
    assert done.returncode == 6
    assert len(standin.show_events_requests()) == 2  # nothing more during the hold
    assert "live calls are held until" in done.stderr
    assert done.stderr.splitlines()[-1].endswith("within 2s · 2 calls spent")


def test_a_first_call_that_fails_for_good_exits_at_once_and_a_5xx_is_waited_out(
    standin: StandIn,
) -> None:
    done = run("events", CUSTOMER, "--wait", "10m", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 1  # connection refused: a wrong URL does not wait 10 minutes
    assert "could not connect to 127.0.0.1:9" in done.stderr
    standin.customers[CUSTOMER] = [OLD, PURCHASE]
    standin.reply(Reply(503, {"message": "Service Unavailable"}))
    done = run("events", CUSTOMER, "--wait", "3s", "-t", "purchase")
    assert done.returncode == 0, done.stderr
    assert "Blueshift had a server problem (503 Service Unavailable); polling again" in (
        done.stderr
    )
    assert len(standin.show_events_requests()) == 2  # the 503, then the poll that found it


def test_a_stored_answer_with_a_match_returns_at_once(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD, PURCHASE]
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "--wait", "10m", "--where", "order_id=ORD-7")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [PURCHASE]
    assert len(standin.show_events_requests()) == 1  # the stored copy answered
    assert "waiting" not in done.stderr


def test_wait_works_with_a_human_view(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [OLD]
    standin.arrive(CUSTOMER, PURCHASE, at_request=2)
    done = run("events", CUSTOMER, "--wait", "5s", "-t", "purchase", "--view", "timeline")
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
        env=env(),
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


# The pacing as a pure function ----------------------------------------------------------


def budget(used_at: list[float], now: float, blocked_until: float | None = None) -> Budget:
    calls = tuple(Call(at, CUSTOMER, "200") for at in used_at)
    return Budget(10, calls, blocked_until, now)


def step(now: float, deadline: float, used: Budget, started: float, answered: float) -> Any:
    return next_step(now, deadline, used, 5, started=started, answered=answered)


def test_next_step_spreads_the_calls_left_over_the_deadline() -> None:
    assert step(1, 900, budget([0], 1), 0, 1) == Step(900 / 8 - 1, poll=True)
    # Planned from the start of the last call: one that took 2 s does not shift the plan.
    assert step(114.5, 900, budget([0, 112.5], 114.5), 112.5, 114.5) == Step(110.5, poll=True)
    one_left = [float(i * 10) for i in range(7)]
    assert step(800, 900, budget([*one_left, 800], 800), 800, 800) == Step(100, poll=True)


def test_next_step_keeps_the_minimum_interval_after_the_answer() -> None:
    assert step(0, 20, budget([0], 0), 0, 0) == Step(5, poll=True)
    assert step(3, 20, budget([0], 3), 0, 3) == Step(5, poll=True)  # a slow answer
    assert step(16, 20, budget([0], 16), 16, 16) == Step(4, poll=False)  # too soon


def test_next_step_waits_out_a_hold_and_the_call_kept() -> None:
    assert step(0, 900, budget([0], 0, blocked_until=300), 0, 0) == Step(300, poll=False)
    assert step(0, 900, budget([0], 0, blocked_until=5000), 0, 0) == Step(900, poll=False)
    nine = [float(i - 8) for i in range(9)]  # 9 of 10 used: the last one is kept
    assert step(0, 7200, budget(nine, 0), 0, 0) == Step(3600 - 8, poll=False)
    assert step(900, 900, budget([0], 900), 0, 0) is None


def test_parse_wait() -> None:
    assert parse_wait("15m") == 900
    assert parse_wait("90") == 90
