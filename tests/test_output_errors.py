"""Output that cannot be written: stdout on a full device is one line and exit 1, a reader
that stops early is exit 0; both through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_event
from tests.script import SCRIPT

FULL = Path("/dev/full")


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "args",
    [
        ("events", "--demo", "--json"),
        ("events", "--demo", "--view", "table"),
        ("events", "--demo", "--view", "timeline"),
        ("quota", "--json"),
        ("config", "show"),
    ],
)
def test_stdout_on_a_full_device_is_one_line_and_exit_1(args: tuple[str, ...]) -> None:
    with FULL.open("wb") as full:
        process = subprocess.run(
            [str(SCRIPT), *args], stdout=full, stderr=subprocess.PIPE, timeout=60, check=False
        )
    assert (process.returncode, process.stderr.decode()) == (
        1,
        "error: cannot write the output: No space left on device\n",
    )


@pytest.mark.parametrize("args", [("quota", "--json"), ("config", "path")])
def test_a_reader_that_stops_early_is_no_failure(args: tuple[str, ...]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before bsevents writes anything
    try:
        process = subprocess.run(
            [str(SCRIPT), *args], stdout=write, stderr=subprocess.PIPE, timeout=60, check=False
        )
    finally:
        os.close(write)
    assert (process.returncode, process.stderr) == (0, b"")


def test_table_into_a_closed_pipe_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    # 2,000 events make ~110 kB of timeline, past the 64 KiB a pipe holds: the writer
    # meets the closed pipe mid-way.
    path.write_text(json.dumps([make_event(event_uuid=f"e-{i}") for i in range(2_000)]))
    producer = subprocess.Popen(
        [str(SCRIPT), "events", "--from-file", str(path), "--all", "--view", "timeline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None
    assert producer.stderr is not None
    producer.stdout.readline()
    producer.stdout.close()
    errors = producer.stderr.read()
    assert producer.wait(timeout=60) == 0, errors
    assert b"Traceback" not in errors
