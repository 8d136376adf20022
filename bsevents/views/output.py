"""Getting a view onto stdout: the colour choice, the pager, and pipes that close early.

Machine formats are written as plain text chunks (no rich is imported for them); human
views get a rich Console set up from `--color` and NO_COLOR, and are paged when asked.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from bsevents.views import ui
from bsevents.views.choices import ColorChoice

if TYPE_CHECKING:
    from rich.console import Console


def use_terminal(*, quiet: bool, debug: bool, color: ColorChoice) -> None:
    """Let a command's --quiet, --debug and --color shape the run's terminal (a --debug
    before the command stays on)."""
    terminal = ui.terminal()
    terminal.debugging = terminal.debugging or debug
    terminal.quiet = terminal.quiet or quiet
    if color is not ColorChoice.auto:
        terminal.color = color is ColorChoice.always


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def write_chunks(
    chunks: Iterable[str], *, for_people: bool = False, closed_is_failure: bool = False
) -> None:
    """Write text to stdout piece by piece; a reader that stops early (`| head`) ends the
    output quietly instead of with a traceback. With `closed_is_failure` (a command that
    acts between its lines, such as `send`), BrokenPipeError is raised for the caller to
    stop and say so, once stdout is pointed where a last flush cannot fail."""
    _fit_stdout(for_people)
    try:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
    except BrokenPipeError:
        if closed_is_failure:
            discard_stdout()
            raise
        _closed_pipe()
    except OSError:
        if closed_is_failure:  # a full disk, a terminal gone: the caller says what was done
            discard_stdout()
        raise


def _fit_stdout(for_people: bool) -> None:
    """Make sure any text can be written when stdout is not UTF-8 (PYTHONIOENCODING=ascii,
    a Latin-1 locale). JSON and CSV are data, and JSON is UTF-8 by definition (RFC 8259):
    they switch stdout to UTF-8. A view for people keeps the terminal's encoding and
    shows what it cannot encode as a `\\uXXXX` placeholder."""
    stream = sys.stdout
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    reconfigure = getattr(stream, "reconfigure", None)
    if encoding in ("utf-8", "utf8") or reconfigure is None:
        return
    if for_people:
        reconfigure(errors="backslashreplace")
    else:
        reconfigure(encoding="utf-8")


def _closed_pipe() -> None:
    discard_stdout()
    # The reader chose to stop (`| head`): that is not a failure of bsevents.
    raise SystemExit(0)


def discard_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit has nothing to fail on
    (a closed pipe, a full disk)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, ValueError):  # not a real file: nothing is flushed at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def make_console(color: ColorChoice, *, file: Any = None, width: int | None = None) -> Console:
    """A Console on stdout (or `file`) that colours as `--color` says.

    auto: colour on a terminal unless NO_COLOR is set (rich's own detection); always:
    colour even into a pipe, and despite NO_COLOR (an explicit flag wins, as
    no-color.org recommends); never: no escape sequences at all.
    """
    from rich.console import Console as RichConsole

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:
            # rich would exit 1; a reader that stops early is no failure (see _closed_pipe).
            _closed_pipe()

    target = file if file is not None else sys.stdout
    options: dict[str, Any] = {"highlight": False, "soft_wrap": False, "emoji": False}
    if width is not None:
        options["width"] = width
    if color is ColorChoice.never:
        return Console(file=target, color_system=None, force_terminal=False, **options)
    if color is ColorChoice.always:
        return Console(file=target, force_terminal=True, no_color=False, **options)
    if file is not None and stdout_is_terminal():
        # Rendering into a buffer for the pager: colour as stdout itself would get.
        return Console(file=target, force_terminal=True, **options)
    return Console(file=target, **options)


def show_human(draw: Callable[[Console], None], *, color: ColorChoice, page: bool) -> None:
    """Draw a human view on stdout, through the pager when `page` is set, stdout is a
    terminal and the output is taller than the screen.

    The whole view is drawn before any of it is written: a view that fails half-way
    must leave stdout empty, not holding a heading and half a table."""
    if not (page and stdout_is_terminal()):
        console = make_console(color)
        # capture() renders exactly as printing would (width, colours, links).
        with console.capture() as captured:
            draw(console)
        write_chunks([captured.get()], for_people=True)
        return
    import io
    import shutil

    size = shutil.get_terminal_size()
    buffer = io.StringIO()
    draw(make_console(color, file=buffer, width=size.columns))
    text = buffer.getvalue()
    if text.count("\n") < size.lines:
        write_chunks([text], for_people=True)
        return
    run_pager(text)


def pager_command() -> list[str] | None:
    """`$PAGER` split like a shell would, or `less -FRX`; None for no pager (PAGER set
    to an empty string or `cat`, as git reads it)."""
    chosen = os.environ.get("PAGER")
    if chosen is None:
        return ["less", "-FRX"]
    try:
        argv = shlex.split(chosen)
    except ValueError:
        ui.warn(f"cannot read PAGER={chosen!r}; printing directly")
        return None
    if not argv or argv == ["cat"]:
        return None
    return argv


def run_pager(text: str) -> None:
    """Show `text` through the pager, or print it when there is none to run."""
    argv = pager_command()
    if argv is None:
        write_chunks([text], for_people=True)
        return
    env = dict(os.environ)
    # Like git: a bare `less` from PAGER still gets colours (-R) and quits on one screen.
    env.setdefault("LESS", "FRX")
    encoding = sys.stdout.encoding or "utf-8"
    try:
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError as exc:
        ui.warn(f"cannot run the pager {argv[0]!r} ({exc.strerror or exc}); printing directly")
        write_chunks([text], for_people=True)
        return
    assert process.stdin is not None  # stdin=PIPE
    try:
        process.stdin.write(text.encode(encoding, "replace"))
        process.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager before the end: that is fine
    while True:
        try:
            process.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C belongs to the pager while it runs
