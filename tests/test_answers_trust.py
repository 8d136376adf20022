"""Issue 11, "answers you can trust", run through the installed console script against
the stand-in server: a stale "no" is asked again, parameters keep their names, the URL's
region is the one called, ids are on screen, an email is a customer, local runs are
checked like live ones."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import DOCUMENTED_BODIES, Reply, StandIn

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
UUID_A = "3766f118-d4cd-11eb-a278-0242ac110006"
UUID_B = "3766f119-0000-11eb-a278-0242ac110006"
UUID_C = "9a00c0de-0000-11eb-a278-0242ac110006"


def run(*args: str, later: str | None = None) -> subprocess.CompletedProcess[str]:
    """bsevents with `args`: in-process, or with `later` ("+120") as the console script run
    that many seconds in the future (libfaketime needs a process of its own)."""
    if later is None:
        from bsevents.cli.app import app

        done = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return subprocess.CompletedProcess(list(args), done.exit_code, done.stdout, done.stderr)
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
    # The copy that could not answer says nothing of itself: it is not what is shown.
    assert done.stderr.splitlines() == [
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


def test_a_near_miss_of_a_type_name_is_asked_too_and_only_then_suggests(
    standin: StandIn,
) -> None:
    # A name close to one in the copy may be a new event (signup_tests beside
    # signup_test): an old copy cannot tell a typo from news, so it is asked again, and
    # "did you mean" follows the live answer.
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "-t", "pageLoad", later="+120")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 2
    assert done.stderr.splitlines() == [
        "'pageLoad' is not in the copy fetched 2 min ago; asking Blueshift (call 2 of 10)",
        "no new events since the fetch 2 min ago",
        "no 'pageLoad' events (names are case-sensitive); did you mean 'pageload'?",
    ]


def test_a_near_miss_in_a_young_copy_suggests_with_its_age_and_the_command(
    standin: StandIn,
) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "-t", "pageLoad")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 1
    assert done.stderr.splitlines()[-1] == (
        "'pageLoad' is not in the copy fetched just now (did you mean 'pageload'?); no call "
        f"made. To ask Blueshift: bsevents events {CUSTOMER} -t pageLoad --refresh"
    )


def test_the_command_that_asks_again_keeps_every_filter_and_the_url_s_region(
    standin: StandIn,
) -> None:
    _journey(standin)
    url = f"https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
    assert run("events", url).returncode == 0
    done = run("events", url, "--since", "2026-01-01", "--where", "order_id=1", "--utc")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 1
    # Run as told, it asks the same API, counts as the same account, and filters alike.
    assert done.stderr.splitlines()[-2] == (
        "an event matching the filters is not in the copy fetched just now; no call made. "
        f"To ask Blueshift: bsevents events {CUSTOMER} --region eu --since 2026-01-01 "
        "--where order_id=1 --utc --refresh"
    )


def test_refresh_on_miss_never_turns_it_off(standin: StandIn) -> None:
    _journey(standin)
    assert run("config", "set", "refresh-on-miss", "never").returncode == 0
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "-t", "signup_test", later="+120")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 1
    assert "no call made. To ask Blueshift" in done.stderr


# parameters exactly as sent ------------------------------------------------------------


def test_the_table_labels_every_parameter_with_its_real_key(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [
        make_event(
            event="view",
            event_uuid=UUID_A,
            url="https://shop.example/p/ag?c=1",
            product_id="AG-200",
            price=39,
            category="gaiters",
        ),
        make_event(
            event="purchase",
            event_uuid=UUID_B,
            timestamp="2021-06-24T05:00:00Z",
            order_id="O-7",
            revenue="39.00",
            coupon="SNOW10",
            sku="AG-200",
        ),
        make_event(
            event="signup_test",
            event_uuid=UUID_C,
            timestamp="2021-06-24T05:01:00Z",
            plan="pro",
            trial=True,
        ),
    ]
    monkeypatch.setenv("COLUMNS", "160")
    done = run("events", CUSTOMER, "--view", "table")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[4:7]]
    assert rows == [
        ["2021-06-24", "04:53:54", "view", "/p/ag?c=1", "product_id=AG-200", "price=39",
         "category=gaiters", UUID_A[:8]],
        ["2021-06-24", "05:00:00", "purchase", "order_id=O-7", 'revenue="39.00"', "sku=AG-200",
         "coupon=SNOW10", UUID_B[:8]],
        ["2021-06-24", "05:01:00", "signup_test", "plan=pro", "trial=true", UUID_C[:8]],
    ]  # fmt: skip
    picked = run("events", CUSTOMER, "--view", "csv", "--fields", "product_id,coupon")
    assert picked.stdout.splitlines()[1:] == ["AG-200,", ",SNOW10", ","]


# the region the URL names ----------------------------------------------------------------


def test_an_eu_dashboard_url_calls_the_eu_api() -> None:
    url = f"https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
    assert run("config", "set", "region", "us").returncode == 0
    done = run("events", url, "--curl")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(
        f"'https://api.eu.getblueshift.com/api/v1/customer_search/show_events?uuid={CUSTOMER}'\n"
    )
    refused = run("events", url, "--region", "us", "--curl")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "error: --region us contradicts the URL" in refused.stderr


# event ids on screen ----------------------------------------------------------------------


def test_an_ambiguous_prefix_lists_every_candidate(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [
        make_event(event="pageload", event_uuid=UUID_A),
        make_event(event="view", event_uuid=UUID_B, timestamp="2021-06-24T05:00:00Z"),
        make_event(event="login", event_uuid=UUID_C, timestamp="2021-06-24T05:01:00Z"),
    ]
    done = run("events", CUSTOMER, "--show", "3766F11")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "error: 2 event_uuids start with '3766f11'",
        "  give more of it; the candidates:",
        f"  2021-06-24 04:53:54  pageload  {UUID_A}",
        f"  2021-06-24 05:00:00  view      {UUID_B}",
    ]
    assert len(standin.show_events_requests()) == 1
    shown = run("events", CUSTOMER, "--show", UUID_B[:8])
    assert json.loads(shown.stdout)["event_uuid"] == UUID_B


# an email is a customer ---------------------------------------------------------------------


def test_an_email_argument_is_looked_up_like_email(standin: StandIn) -> None:
    standin.people["jane@example.com"] = [{"uuid": CUSTOMER, "email": "jane@example.com"}]
    standin.customers[CUSTOMER] = [make_event()]
    done = run("events", "jane@example.com")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [make_event()]
    search, events = standin.requests
    assert search.query == {"email": ["jane@example.com"]}
    assert events.query == {"uuid": [CUSTOMER]}
    assert done.stderr.startswith(f"jane@example.com is customer {CUSTOMER}\n")
    both = run("events", "jane@example.com", "--email", "jane@example.com")
    assert both.returncode == 2


# local runs are checked like live ones --------------------------------------------------------


def test_demo_and_from_file_check_every_option(tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text("[]")
    for source in (["--demo"], ["--from-file", str(saved)]):
        for bad, message in (
            (["--region", "xx"], "error: unknown region 'xx': expected one of us, eu"),
            (["--profile", "nope"], "error: no profile 'nope' (from --profile)"),
            (["--base-url", "http://example.com"], "error: refusing plain http to example.com"),
        ):
            done = run("events", *source, *bad)
            assert (done.returncode, done.stdout) == (2, ""), (source, bad)
            assert done.stderr.startswith(message)
        assert run("events", *source, "--timeout", "0").returncode == 2
        assert run("events", *source, "--region", "eu").returncode == 0


def test_a_miss_with_no_call_left_spends_nothing_and_says_when(standin: StandIn) -> None:
    _journey(standin)
    assert run("config", "set", "hourly-cap", "1").returncode == 0
    assert run("events", CUSTOMER).returncode == 0
    done = run("events", CUSTOMER, "--new", later="+120")
    assert done.returncode == 0
    assert len(standin.show_events_requests()) == 1
    said = done.stderr.splitlines()[-1]
    assert said.startswith(
        "a new event is not in the copy fetched 2 min ago; no call is left this hour, "
        "the next is free at "
    )
    assert said.endswith(f"(in 58 min); to ask anyway: bsevents events {CUSTOMER} --new --force")


# small things -------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_spinner_line_is_erased_before_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from bsevents.views import ui

    monkeypatch.delenv("NO_COLOR", raising=False)
    screen = _Terminal()
    terminal = ui.Terminal(stream=screen)
    terminal.progress(200_000)
    terminal.note("Blueshift had a hiccup")
    terminal.progress(None)  # the answer is complete: nothing left to erase
    assert screen.getvalue() == (
        "\r⠙ receiving 0.2 MB\x1b[K\r\x1b[K\x1b[2mBlueshift had a hiccup\x1b[0m\n"
    )


@pytest.mark.parametrize("how", ["--color never", "NO_COLOR"])
def test_with_colour_off_the_spinner_writes_no_escape_sequence(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from bsevents.views import ui

    monkeypatch.delenv("NO_COLOR", raising=False)
    if how == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    screen = _Terminal()
    terminal = ui.Terminal(stream=screen, color=False if how == "--color never" else None)
    terminal.progress(200_000)
    terminal.note("Blueshift had a hiccup")
    # Spaces over the spinner's 18 cells, back to the start, then the note.
    assert screen.getvalue() == (
        "\r⠙ receiving 0.2 MB" + "\r" + " " * 18 + "\r" + "Blueshift had a hiccup\n"
    )
    assert "\x1b" not in screen.getvalue()


def test_a_failed_miss_call_still_shows_the_copy(standin: StandIn) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    standin.reply(Reply(500, DOCUMENTED_BODIES[500]))
    done = run("events", CUSTOMER, "-t", "signup_test", "--retries", "0", later="+120")
    assert (done.returncode, done.stdout) == (0, "[]\n")
    assert len(standin.show_events_requests()) == 2
    assert done.stderr.splitlines() == [
        "'signup_test' is not in the copy fetched 2 min ago; asking Blueshift (call 2 of 10)",
        "warning: Blueshift had a server problem (500 Internal Server Error - Please contact "
        "support for more information.); showing the stored copy, which may be stale",
        # counted once the answer is final: the failed call is one of the hour's
        "from cache, fetched 2 min ago · --refresh for a live call (8 left this hour)",
    ]


def test_a_name_missing_beside_one_that_matched_is_asked_too(standin: StandIn) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0
    standin.customers[CUSTOMER].append(
        make_event(event="signup_test", event_uuid=UUID_C, timestamp="2021-06-24T05:00:00Z")
    )
    done = run("events", CUSTOMER, "-t", "pageload,signup_test", later="+120")
    assert done.returncode == 0, done.stderr
    assert len(standin.show_events_requests()) == 2
    assert [e["event"] for e in json.loads(done.stdout)] == ["pageload", "signup_test"]
    assert "'signup_test' is not in the copy fetched 2 min ago; asking Blueshift" in done.stderr


@pytest.mark.parametrize(
    ("bad", "env"),
    [
        (["--timeout", "nan"], {}),
        (["--timeout", "inf"], {}),
        (["--timeout", "601"], {}),
        ([], {"BSEVENTS_PROFILE": "nosuch"}),
        ([], {"BLUESHIFT_REGION": "mars"}),
        ([], {"BSEVENTS_BASE_URL": "http://example.com"}),
    ],
)
def test_demo_and_lint_demo_check_the_timeout_and_the_environment(
    bad: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for command in (["events", "--demo"], ["lint", "--demo"]):
        done = run(*command, *bad)
        assert (done.returncode, done.stdout) == (2, ""), (command, bad, env, done.stderr)
        assert done.stderr.startswith("error: ")


def test_offline_with_nothing_stored_at_this_base_url_says_copies_are_kept_per_base_url(
    standin: StandIn,
) -> None:
    _journey(standin)
    assert run("events", CUSTOMER).returncode == 0  # stored for the stand-in's base URL
    done = subprocess.run(
        [str(SCRIPT), "events", CUSTOMER, "--offline", "--base-url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"error: nothing is stored for customer {CUSTOMER}",
        "  run without --offline to fetch it (one call of the hourly budget); copies are "
        "kept per API base URL, and this one is http://127.0.0.1:9",
    ]
