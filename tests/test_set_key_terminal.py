"""`config set-key` on a real terminal (a pseudo-terminal): the prompt hides the key."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest

from bsevents.state.paths import config_dir
from tests.script import SCRIPT

KEY = "typed-key-0123456789WXYZ"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def _read_until(fd: int, needle: bytes, limit: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + limit
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            seen += chunk
    return seen


def _drain(fd: int) -> bytes:
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            return seen
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO once the other side is closed
            return seen
        if not chunk:
            return seen
        seen += chunk


def test_prompt_reads_the_key_without_echoing_it() -> None:
    master, slave = os.openpty()
    # A new session has no controlling terminal, so getpass uses this pseudo-terminal
    # (stdin) and never the terminal pytest itself may be running in.
    process = subprocess.Popen(
        [str(SCRIPT), "config", "set-key", "--insecure-storage"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
        start_new_session=True,
    )
    os.close(slave)
    try:
        assert process.stderr is not None
        prompt = _read_until(process.stderr.fileno(), b"(input hidden): ")
        assert prompt == b"Blueshift User API key for profile 'default' (input hidden): "
        os.write(master, f"  {KEY}  \n".encode())
        stdout, stderr = process.communicate(timeout=30)
        echoed = _drain(master)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert stdout == b""
    assert KEY.encode() not in echoed
    assert KEY.encode() not in stderr
    stored = (config_dir() / "credentials.toml").read_text(encoding="utf-8")
    assert f'api-key = "{KEY}"' in stored


def test_an_unusable_keyring_is_reported_before_the_prompt() -> None:
    # The conftest selects keyring's `fail` backend: no keyring at all. Nobody should type
    # or paste a key only to be told afterwards that it cannot be kept.
    master, slave = os.openpty()
    process = subprocess.Popen(
        [str(SCRIPT), "config", "set-key"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
        start_new_session=True,
    )
    os.close(slave)
    try:
        stdout, stderr = process.communicate(timeout=30)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    assert (process.returncode, stdout) == (3, b"")
    lines = stderr.decode().splitlines()
    assert lines[0] == (
        "error: cannot store the key: the system keyring cannot be used "
        "(no keyring backend is available on this system)"
    )
    assert "--insecure-storage" in lines[1]
    assert len(lines) == 2  # no prompt was shown
    assert not (config_dir() / "credentials.toml").exists()
