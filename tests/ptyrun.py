"""Run the installed console script on a real pseudo-terminal and capture what it writes.

stdout and stderr both go to the terminal, as they would for a user; the window size is
set on the terminal before the program starts, so rich sees a real terminal of that size.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from dataclasses import dataclass

from tests.script import SCRIPT


@dataclass
class PtyResult:
    output: str
    returncode: int


def run_on_pty(
    *args: str,
    columns: int = 120,
    rows: int = 40,
    env: dict[str, str] | None = None,
    stdin_data: bytes | None = None,
    timeout: float = 60.0,
) -> PtyResult:
    """Run `bsevents *args` with stdout and stderr on a new pseudo-terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = dict(os.environ if env is None else env)
    environment.setdefault("TERM", "xterm-256color")
    environment.pop("COLUMNS", None)  # the terminal's own size must decide
    environment.pop("LINES", None)
    process = subprocess.Popen(
        [str(SCRIPT), *args],
        stdin=subprocess.PIPE if stdin_data is not None else slave,
        stdout=slave,
        stderr=slave,
        env=environment,
        close_fds=True,
    )
    os.close(slave)
    if stdin_data is not None:
        assert process.stdin is not None
        process.stdin.write(stdin_data)
        process.stdin.close()
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            process.kill()
            break
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the program has exited and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return PtyResult(b"".join(chunks).decode("utf-8", "replace"), returncode)
