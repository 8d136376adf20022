"""A home-made Redis on loopback, for replies no real redis-server sends: it speaks enough
RESP to pass redis-py's handshake (AUTH, CLIENT, SELECT, PING), records every command,
and answers the commands it is told to (`reply`) with any bytes, a byte at a time, or
endlessly, however hostile."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

STREAM_SECONDS = 20.0  # a streamed reply stops by itself after this, client or not


@dataclass(frozen=True)
class Answer:
    """What to send for a command: `head`, then `body_chunk` repeated to `body_bytes`
    (a huge reply without building it), each byte `per_byte` seconds apart if set."""

    head: bytes
    body_chunk: bytes = b""
    body_bytes: int = 0
    per_byte: float = 0.0

    def pieces(self) -> Iterator[bytes]:
        if self.per_byte:
            for byte in self.head:
                yield bytes([byte])
            return
        yield self.head
        sent = 0
        while self.body_chunk and sent < self.body_bytes:
            yield self.body_chunk
            sent += len(self.body_chunk)


HANDSHAKE = {b"AUTH": b"+OK\r\n", b"CLIENT": b"+OK\r\n", b"SELECT": b"+OK\r\n"}


class RespServer:
    def __init__(self) -> None:
        self.answers: dict[bytes, Answer] = {b"PING": Answer(b"+PONG\r\n")}
        self.commands: list[list[bytes]] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        return f"redis://:secret-password@127.0.0.1:{self._listener.getsockname()[1]}/0"

    def reply(self, command: str, answer: Answer) -> None:
        self.answers[command.upper().encode()] = answer

    def start(self) -> RespServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as incoming:
            try:
                while (command := _read_command(incoming)) is not None:
                    self.commands.append(command)
                    name = command[0].upper()
                    if name in HANDSHAKE:
                        connection.sendall(HANDSHAKE[name])
                    elif name in self.answers:
                        self._send(connection, self.answers[name])
                    else:
                        connection.sendall(b"-ERR unknown command\r\n")
            except OSError:
                return  # the client hung up, as it should

    def _send(self, connection: socket.socket, answer: Answer) -> None:
        stop = time.monotonic() + STREAM_SECONDS
        for piece in answer.pieces():
            if self._stopped.is_set() or time.monotonic() > stop:
                break
            connection.sendall(piece)
            if answer.per_byte:
                time.sleep(answer.per_byte)
        else:
            if not answer.body_bytes:
                return
        # Hang up: what was promised was never all sent (shutdown, as the reader of the
        # commands still holds the socket open).
        connection.shutdown(socket.SHUT_RDWR)


def _read_command(incoming: BinaryIO) -> list[bytes] | None:
    """One command as redis-py sends it: an array of bulk strings."""
    header = incoming.readline()
    if not header.startswith(b"*"):
        return None
    parts = []
    for _ in range(int(header[1:])):
        size = int(incoming.readline()[1:])
        parts.append(incoming.read(size + 2)[:-2])
    return parts
