"""Issue 11, "answers you can trust", run through the installed console script against
the stand-in server: a stale "no" is asked again, parameters keep their names, the URL's
region is the one called, ids are on screen, an email is a customer, local runs are
checked like live ones."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
UUID_A = "3766f118-d4cd-11eb-a278-0242ac110006"
UUID_B = "3766f119-0000-11eb-a278-0242ac110006"
UUID_C = "9a00c0de-0000-11eb-a278-0242ac110006"


def run(*args: str, later: str | None = None) -> subprocess.CompletedProcess[str]:
    """The console script; `later` ("+120") runs it that many seconds in the future."""
    env = os.environ.copy()
    if later is not None:
        env.update(LD_PRELOAD=str(FAKETIME), FAKETIME=later, FAKETIME_DONT_FAKE_MONOTONIC="1")
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def _journey(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [make_event(event="pageload", event_uuid=UUID_A)]


def test_a_stale_miss_is_asked_of_blueshift_once(standin: StandIn) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    standin.customers[CUSTOMER].append(
        make_event(event="signup_test", event_uuid=UUID_C, timestamp="2021-06-24T05:00:00Z")
    )
    done = run("events", CUSTOMER, "-t", "signup_test", later="+120")
    assert done.returncode == 0, done.stderr
    assert len(standin.show_events_requests()) == 2
    assert [e["event"] for e in json.loads(done.stdout)] == ["signup_test"]
    assert done.stderr.splitlines() == [
        "from cache, fetched 2 min ago · --refresh for a live call (9 left this hour)",
        "'signup_test' is not in the copy fetched 2 min ago; asking Blueshift (call 2 of 10)",
        "1 new event since the fetch 2 min ago",
    ]


def test_a_miss_in_a_young_copy_names_the_command_and_spends_nothing(
    standin: StandIn,
) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "-t", "signup_test")
    assert done.returncode == 0
    assert done.stdout == "[]\n"
    assert len(standin.show_events_requests()) == 1
    assert (
        f"'signup_test' is not in the copy fetched just now; no call made. To ask "
        f"Blueshift: bsevents events {CUSTOMER} -t signup_test --refresh\n"
    ) in done.stderr


def test_an_offline_miss_says_how_old_the_copy_is_and_how_to_refresh(standin: StandIn) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "--offline", "--show", "9a00", later="+300")
    assert done.returncode == 4
    assert len(standin.show_events_requests()) == 1
    assert done.stderr.splitlines() == [
        "stored response, fetched 5 min ago · no call made",
        "event '9a00' is not in the copy fetched 5 min ago; no call made. To ask Blueshift: "
        f"bsevents events {CUSTOMER} --show 9a00 --refresh",
        "error: no event has event_uuid '9a00'",
        "  list them with: --fields event_uuid,event",
    ]


def test_a_near_miss_of_a_type_name_spends_no_call(standin: StandIn) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "-t", "pageLoad", later="+120")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 1
    assert "did you mean 'pageload'?" in done.stderr
    assert "asking Blueshift" not in done.stderr


def test_refresh_on_miss_never_turns_it_off(standin: StandIn) -> None:
    _journey(standin)
    assert run("config", "set", "refresh-on-miss", "never").returncode == 0
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "-t", "signup_test", later="+120")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 1
    assert "no call made. To ask Blueshift" in done.stderr
