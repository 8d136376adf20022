"""The installed console script and `python -m bsevents`, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bsevents import __version__
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=60
    )


def test_console_script_fetches_and_pipes_json(standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [make_event(event="identify")]
    done = run("events", CUSTOMER)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["event"] == "identify"
    assert done.stderr == ""
    assert standin.requests[0].auth_user == API_KEY


def test_console_script_error_is_one_line_without_traceback(standin: StandIn) -> None:
    done = run("events", "not-a-uuid")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: 'not-a-uuid' is not a UUID")


def test_version_and_module_entry() -> None:
    assert run("--version").stdout == f"bsevents {__version__}\n"
    module = subprocess.run(
        [sys.executable, "-m", "bsevents", "events", "--demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert module.returncode == 0
    assert len(json.loads(module.stdout)) >= 30
