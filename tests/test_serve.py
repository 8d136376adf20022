"""`python -m tests.serve`: the stand-in a contributor starts by hand answers the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.script import SCRIPT
from tests.serve import DEMO_EMAIL, DEMO_UUID

ROOT = Path(__file__).resolve().parent.parent


def test_the_hand_run_standin_serves_the_demo_customer(isolated: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.serve", "--port", "0", "--hourly-limit", "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        exports = dict(
            server.stdout.readline().strip().removeprefix("export ").split("=", 1) for _ in range(3)
        )
        assert sorted(exports) == [
            "BLUESHIFT_API_KEY",
            "BLUESHIFT_EVENT_API_KEY",
            "BSEVENTS_BASE_URL",
        ]
        assert exports["BSEVENTS_BASE_URL"].startswith("http://127.0.0.1:")
        env = {**os.environ, **exports}
        by_uuid = subprocess.run(
            [str(SCRIPT), "events", DEMO_UUID, "--json"], env=env, capture_output=True, text=True
        )
        assert by_uuid.returncode == 0, by_uuid.stderr
        assert len(json.loads(by_uuid.stdout)) == 35
        by_email = subprocess.run(
            [str(SCRIPT), "events", "--email", DEMO_EMAIL, "--json", "--refresh"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert by_email.returncode == 0, by_email.stderr
        assert json.loads(by_email.stdout) == json.loads(by_uuid.stdout)
        # And `send` with the printed Event API key is accepted.
        sent = subprocess.run(
            [str(SCRIPT), "send", "signed_up", "--email", DEMO_EMAIL],
            env=env,
            capture_output=True,
            text=True,
        )
        assert sent.returncode == 0, sent.stderr
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(10) == 0
