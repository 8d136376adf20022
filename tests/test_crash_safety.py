"""Killing bsevents at any point leaves a ledger and store the next run can read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import Reply, StandIn


def test_kill_at_any_moment_leaves_readable_state(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    # A big answer makes parsing and the atomic cache write take long enough to be hit.
    events = [make_event(event_uuid=f"e-{i}", blob="x" * 200) for i in range(20_000)]
    body = json.dumps(events).encode()
    kills = [0.08 * n for n in range(1, 11)]  # a whole run takes ~0.8 s here
    killed = 0
    for delay in kills:
        standin.reply(Reply(200, body))
        proc = subprocess.Popen(
            [str(SCRIPT), "events", CUSTOMER, "--refresh", "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(timeout=30) == -signal.SIGKILL
        offline = cli("events", CUSTOMER, "--offline")
        assert offline.exit_code in (0, 1), offline.stderr
        if offline.exit_code == 0:
            assert len(json.loads(offline.stdout)) == 20_000
        else:
            assert "nothing is stored" in offline.stderr
        assert "unreadable" not in offline.stderr
        report = cli("quota", "--json")
        assert report.exit_code == 0
        assert "unreadable" not in report.stderr
    assert killed >= 3, "the kills all came too late to interrupt anything"
    # Every run that reached the server is counted; one killed between reserving and
    # sending is counted too (conservative), so the ledger never undercounts.
    used = json.loads(cli("quota", "--json").stdout)["used"]
    assert len(standin.show_events_requests()) <= used <= len(kills)
