"""A private redis-server for tests: loopback, a password, nothing saved, its own folder.

Never the system service: each test module starts one on a free port and stops it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

PASSWORD = "team-password-5f1c"
BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"


def available() -> bool:
    return Path(BINARY).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "redis.sock"

    @property
    def url(self) -> str:
        return f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"

    def options(self) -> list[str]:
        """Loopback only, a password, nothing written to disk."""
        listen = ["--port", str(self.port), "--bind", "127.0.0.1", "--requirepass", PASSWORD]
        socket = ["--unixsocket", str(self.socket), "--unixsocketperm", "700"]
        return [*listen, *socket, "--save", "", "--appendonly", "no", "--dir", str(self.folder)]

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [BINARY, *self.options()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return self
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.02)

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
