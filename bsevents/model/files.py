"""Reading a file where a file is expected, and refusing anything else before it can hang.

Opening a named pipe (FIFO) for reading blocks until something writes to it, and reading a
device may never end: a FIFO planted as `config.toml` or as a stored response would hang
every command. So every file bsevents reads is opened here, without blocking, and checked
with fstat on the open descriptor (no window between the check and the read).

A path given on the command line (`--from-file`, `--data`, `--plan`) may also be a pipe:
`--from-file <(curl …)` and `/dev/stdin` are pipes people really use, and a named pipe
named by hand then waits for its writer, as `cat` would. Folders, sockets and devices are
refused everywhere; files in bsevents' own folders must be regular files.

This sits in the lowest layer that every reader can import (plans are read in `query`).
"""

from __future__ import annotations

import errno
import os
import stat

# Read by TAB completion: `typing` alone costs a few milliseconds there (mypy reads this).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FLAGS = (
    os.O_RDONLY
    | _NONBLOCK
    | getattr(os, "O_NOCTTY", 0)  # a terminal device never becomes our controlling one
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotAFile(OSError):
    """Something other than a regular file (or an allowed pipe) where one is expected."""

    def __init__(self, path: str | os.PathLike[str], mode: int) -> None:
        super().__init__(errno.EINVAL, f"it is {_kind(mode)}, not a regular file", str(path))


def _kind(mode: int) -> str:
    for check, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if check(mode):
            return name
    return "something else"


def read_file(path: str | os.PathLike[str], size: int = -1, *, pipes: bool = False) -> bytes:
    """At most `size` bytes (all when negative) of the regular file at `path`; with
    `pipes`, a pipe or named pipe is read too. Raises NotAFile (an OSError) for anything
    else, and the usual OSError when the path cannot be opened."""
    with open_file(path, pipes=pipes) as handle:
        return handle.read(size)


def open_file(path: str | os.PathLike[str], *, pipes: bool = False) -> BinaryIO:
    """The file at `path` opened for reading in binary, checked as `read_file` says."""
    flags = _FLAGS
    if pipes and stat.S_ISFIFO(os.stat(path).st_mode):
        # A named pipe given by hand waits for its writer, as with `cat` (Ctrl-C ends the
        # wait); `<(cmd)` has one already. Opened without blocking, it would read as empty.
        flags &= ~_NONBLOCK
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise NotAFile(path, os.stat(path).st_mode) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode))):
            raise NotAFile(path, mode)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
