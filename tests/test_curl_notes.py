"""`events --curl` never ignores an option silently: each one that curl cannot express is
named on stderr with the jq filter that does the same, checked here by running jq on a
saved answer and comparing with what bsevents itself keeps."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bsevents.app.demo import demo_events
from tests.conftest import CUSTOMER
from tests.script import SCRIPT

needs_jq = pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")


def filters_from(stderr: str) -> dict[str, str]:
    """{option as typed: jq filter} from the --curl notes."""
    found = {}
    for line in stderr.splitlines():
        if ":  | jq -c " in line:
            given, _, command = line.strip().partition(":  | jq -c ")
            (expression,) = shlex.split(command)
            found[given] = expression
    return found


@pytest.mark.parametrize(
    "options",
    [
        ["-t", "purchase"],
        ["-t", "view,add_to_cart", "--limit", "2"],
        ["--where", "price>100", "--reverse"],
        ["--where", "category=running", "-g", "TRAIL"],
        ["--where", "order_id", "--where", "revenue!=12"],
        ["--where", "url~/P/", "--since", "2026-11-25", "--until", "2026-11-27"],
    ],
)
@needs_jq
def test_each_jq_filter_keeps_what_bsevents_keeps(
    cli: Any, tmp_path: Path, options: list[str]
) -> None:
    saved = tmp_path / "answer.json"
    saved.write_text(json.dumps(demo_events()))
    kept = cli("events", "-f", str(saved), "--json", "--utc", *options)
    assert kept.exit_code == 0, kept.stderr
    done = cli("events", CUSTOMER, "--curl", "--utc", *options)
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("curl ")
    filters = filters_from(done.stderr)
    together = filters.pop("as bsevents shows them")
    by_jq = subprocess.run(
        ["jq", "-c", together, str(saved)], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(by_jq) == json.loads(kept.stdout)


def test_every_option_that_curl_cannot_express_is_named(cli: Any) -> None:
    done = cli(
        "events",
        CUSTOMER,
        "--curl",
        "-t",
        "purchase",
        "--fields",
        "event,url",
        "--all",
        "--view",
        "csv",
        "--color",
        "never",
    )
    assert done.exit_code == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == (
        "curl fetches every event as Blueshift sends it; these options apply to the answer:"
    )
    assert lines[1] == ("""  -t purchase:  | jq -c '[.[] | select(.event == "purchase")]'""")
    assert lines[2] == (
        """  as bsevents shows them:  | jq -c 'sort_by(.timestamp) | [.[] | """
        """select(.event == "purchase")]'"""
    )
    assert lines[3] == (
        "  --view csv --fields event,url --all --color never: no jq filter draws that; save "
        "the answer and run bsevents events -f answer.json --view csv --fields event,url "
        "--all --color never"
    )


def test_curl_alone_says_nothing_more(cli: Any) -> None:
    done = cli("events", CUSTOMER, "--curl")
    assert (done.exit_code, done.stderr) == (0, "")


@needs_jq
def test_a_value_cannot_end_the_filter_early(cli: Any, tmp_path: Path) -> None:
    hostile = "x'\"); halt_error(1) #"
    done = cli("events", CUSTOMER, "--curl", "--where", f"order_id={hostile}")
    assert done.exit_code == 0, done.stderr
    expression = filters_from(done.stderr)[f"--where order_id={hostile}"]
    assert json.dumps(hostile) in expression  # a JSON string literal, whole
    # And jq runs it as a filter that keeps exactly the event with that value.
    saved = tmp_path / "answer.json"
    saved.write_text(json.dumps([{"order_id": hostile, "n": 1}, {"order_id": "x", "n": 2}]))
    by_jq = subprocess.run(
        ["jq", "-c", expression, str(saved)], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(by_jq) == [{"order_id": hostile, "n": 1}]


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--view", "csv"], "  --view csv: no jq filter draws that"),
        (["-t", "purchase"], """  -t purchase:  | jq -c '[.[] | select(.event == "purchase")]'"""),
        (["--limit", "3"], "  --limit 3:  | jq -c 'sort_by(.timestamp) | .[-3:]'"),
        (["--fields", "event,url"], "  --fields event,url: no jq filter draws that"),
        (["--all"], "  --all: no jq filter draws that"),
        (["--utc"], "  --utc: no jq filter draws that"),
        (["--where", "order_id"], "  --where order_id:  | jq -c "),
        (["--pager"], "  --pager: no jq filter draws that"),
        (["--retries", "1"], "--retries 1 is not in the command: curl's --retry would also"),
    ],
)
def test_the_console_script_names_each_option_curl_cannot_express(
    options: list[str], named: str
) -> None:
    done = run_script("events", CUSTOMER, "--curl", *options)
    assert (done.returncode, done.stdout.startswith("curl ")) == (0, True), done.stderr
    assert any(line.startswith(named) for line in done.stderr.splitlines()), done.stderr


def test_a_typed_timeout_is_the_commands_max_time(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    done = run_script("events", CUSTOMER, "--curl", "--timeout", "5", "--plan", str(plan))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("curl -sS --fail-with-body --max-time 5 -u ")
    assert "  --plan PLAN.json: no jq filter draws that" in done.stderr
    sent = run_script("send", "login", "--cookie", "c", "--curl", "--timeout", "2.5")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("curl -sS --fail-with-body --max-time 2.5 -u ")
    untimed = run_script("events", CUSTOMER, "--curl")
    assert untimed.returncode == 0, untimed.stderr
    assert "--max-time" not in untimed.stdout


@needs_jq
@pytest.mark.parametrize(
    "options",
    [
        ["--where", "note=null"],  # an explicit null, not a missing note
        ["--where", "note!=null"],  # a missing note passes !=
        ["--where", "note~nu"],
        ["--until", "2026-11-20"],  # the whole day, not a second of the next
        ["--since", "2026-11-20T23:59:59Z", "--until", "2026-11-21"],
        ["--where", "products.0.sku=A-1"],
        ["--where", "products.1.sku"],
    ],
)
def test_jq_filters_tell_a_missing_field_from_a_null_and_keep_whole_days(
    cli: Any, tmp_path: Path, options: list[str]
) -> None:
    events = [
        {"event": "a", "event_uuid": "e1", "timestamp": "2026-11-20T10:00:00Z", "note": None},
        {"event": "b", "event_uuid": "e2", "timestamp": "2026-11-20T23:59:59Z"},
        {"event": "c", "event_uuid": "e3", "timestamp": "2026-11-21T00:00:00Z", "note": "n"},
        {
            "event": "d",
            "event_uuid": "e4",
            "timestamp": "2026-11-21T08:00:00.250Z",
            "products": [{"sku": "A-1"}, {"sku": None}],
        },
    ]
    saved = tmp_path / "answer.json"
    saved.write_text(json.dumps(events))
    kept = cli("events", "-f", str(saved), "--json", "--utc", *options)
    assert kept.exit_code == 0, kept.stderr
    done = cli("events", CUSTOMER, "--curl", "--utc", *options)
    together = filters_from(done.stderr)["as bsevents shows them"]
    by_jq = subprocess.run(
        ["jq", "-c", together, str(saved)], capture_output=True, text=True, check=True
    ).stdout
    assert [e["event_uuid"] for e in json.loads(by_jq)] == [
        e["event_uuid"] for e in json.loads(kept.stdout)
    ]
