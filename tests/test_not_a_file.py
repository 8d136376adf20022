"""A named pipe, a folder, a socket or a device where bsevents expects a file: refused
with one line, never a hang. In bsevents' own folders only regular files are read; a path
given on the command line (`--from-file`, `--data`, `--plan`) may also be a pipe, as
`<(cmd)` is. Every case runs the console script with a time limit, so that a regression
fails instead of hanging the suite."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bsevents.model.files import NotAFile, read_file
from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn

E1 = make_event(event="identify", event_uuid="e-1")
EVENT_KEY = "test-event-key-fedcba9876543210"
LIMIT = 30  # seconds: a run that takes longer is hanging


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=LIMIT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def one_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


@pytest.fixture
def listening_socket() -> Iterator[Path]:
    """A Unix socket file (in a short folder: socket paths are limited to ~100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="bsev"))
    path = folder / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        yield path
    finally:
        server.close()
        path.unlink()
        folder.rmdir()


def writer(path: Path, data: bytes) -> threading.Thread:
    """Feed a named pipe once a reader opens it, as a shell's `<(cmd)` or a script would."""

    def write() -> None:
        with path.open("wb") as handle:
            handle.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


# -- bsevents' own folders: regular files only ---------------------------------------------


def test_a_named_pipe_as_the_settings_file_is_one_error(isolated: Path) -> None:
    config = fifo(isolated / ".config" / "bsevents" / "config.toml")
    line = one_error(run("quota"), 2)
    assert line == f"error: cannot read {config}: it is a named pipe, not a regular file"


def test_a_named_pipe_as_the_key_file_is_one_error(
    isolated: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY")  # so the key file is read
    keys = fifo(isolated / ".config" / "bsevents" / "credentials.toml")
    line = one_error(run("events", CUSTOMER), 2)
    assert line == f"error: cannot read {keys}: it is a named pipe, not a regular file"
    assert standin.requests == []


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_stored_response_that_is_no_file_is_set_aside(
    isolated: Path, standin: StandIn, kind: str
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert run("events", CUSTOMER).returncode == 0
    [stored] = (isolated / ".cache" / "bsevents" / "responses").glob(f"*/{CUSTOMER}.json")
    stored.unlink()
    fifo(stored) if kind == "fifo" else stored.mkdir()
    what = "a named pipe" if kind == "fifo" else "a folder"
    done = run("events", CUSTOMER)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [E1]
    said = [line for line in done.stderr.splitlines() if "stored response" in line]
    assert len(said) == 1, done.stderr
    assert said[0].startswith(
        f"warning: a stored response was unreadable (it is {what}, not a regular file) and "
        "is kept as "
    )
    assert len(standin.show_events_requests()) == 2
    assert stored.is_file()


def test_a_named_pipe_as_the_index_is_passed_over(isolated: Path, standin: StandIn) -> None:
    standin.customers[CUSTOMER] = [E1]
    fifo(isolated / ".cache" / "bsevents" / "index.json")
    done = run("events", CUSTOMER)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [E1]


def test_a_named_pipe_as_the_round_trip_record_is_passed_over(isolated: Path) -> None:
    from bsevents.state.round_trips import median_round_trip, remember, round_trips_path

    fifo(round_trips_path("us-0123456789ab"))
    answers: list[float | None] = []
    looking = threading.Thread(
        target=lambda: answers.append(median_round_trip("us-0123456789ab")), daemon=True
    )
    looking.start()
    looking.join(LIMIT)
    assert answers == [None]  # no record, and no wait for a writer that never comes
    remember("us-0123456789ab", 12.0)  # the pipe is replaced by a record
    assert median_round_trip("us-0123456789ab") == 12.0


def test_completion_passes_over_named_pipes(isolated: Path) -> None:
    fifo(isolated / ".config" / "bsevents" / "config.toml")
    fifo(isolated / ".cache" / "bsevents" / "index.json")
    code = (
        "from bsevents.completion.local import LocalSources\n"
        "sources = LocalSources()\n"
        "print(sources.profiles(), sources.customers())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=LIMIT, check=True
    )
    assert done.stdout == "[('default', 'in use')] []\n"


# -- paths on the command line: a pipe is read, nothing else but a file --------------------


def test_from_file_reads_a_named_pipe_and_process_substitution(tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps([E1]))
    pipe = fifo(tmp_path / "pipe")
    feeding = writer(pipe, saved.read_bytes())
    done = run("events", "--from-file", str(pipe))
    feeding.join(LIMIT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [E1]
    substituted = subprocess.run(
        ["bash", "-c", f'"{SCRIPT}" events --from-file <(cat "{saved}")'],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )
    assert substituted.returncode == 0, substituted.stderr
    assert json.loads(substituted.stdout) == [E1]


def test_send_data_and_a_plan_read_from_named_pipes(tmp_path: Path, standin: StandIn) -> None:
    data = fifo(tmp_path / "data")
    feeding = writer(data, b'{"plan": "pro"}')
    done = run("send", "signed_up", "--email", "m@example.com", "--data", str(data),
               BLUESHIFT_EVENT_API_KEY=EVENT_KEY)  # fmt: skip
    feeding.join(LIMIT)
    assert done.returncode == 0, done.stderr
    assert json.loads(standin.event_requests()[0].body)["plan"] == "pro"
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps([E1]))
    plan = fifo(tmp_path / "plan")
    feeding = writer(plan, b'{"identify": {"required": ["email"]}}')
    done = run("lint", "--from-file", str(saved), "--plan", str(plan), "--json")
    feeding.join(LIMIT)
    assert done.returncode == 6, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)] == ["plan"]


@pytest.mark.parametrize("option", ["--from-file", "--data", "--plan"])
@pytest.mark.parametrize("kind", ["folder", "socket", "device"])
def test_a_folder_socket_or_device_on_the_command_line_is_one_error(
    tmp_path: Path, listening_socket: Path, option: str, kind: str
) -> None:
    path = {"folder": tmp_path, "socket": listening_socket, "device": Path("/dev/zero")}[kind]
    what = {"folder": "a folder", "socket": "a socket", "device": "a device"}[kind]
    args = {
        "--from-file": ["events", "--from-file", str(path)],
        "--data": ["send", "signed_up", "--email", "m@example.com", "--data", str(path)],
        "--plan": ["lint", "--demo", "--plan", str(path)],
    }[option]
    line = one_error(run(*args, BLUESHIFT_EVENT_API_KEY=EVENT_KEY), 2)
    assert f"{path}: it is {what}, not a regular file" in line


def test_read_file_refuses_before_reading(tmp_path: Path, listening_socket: Path) -> None:
    pipe = fifo(tmp_path / "pipe")  # no writer: opening it for reading would block
    for path, what in [
        (pipe, "a named pipe"),
        (tmp_path, "a folder"),
        (listening_socket, "a socket"),
    ]:
        with pytest.raises(NotAFile) as caught:
            read_file(path)
        assert caught.value.strerror == f"it is {what}, not a regular file"
        assert caught.value.filename == str(path)
    regular = tmp_path / "file"
    regular.write_bytes(b"0123456789")
    assert read_file(regular, 4) == b"0123"
    assert read_file(regular, pipes=True) == b"0123456789"
