"""The root `bsevents` app, and the one place where errors become exit codes."""

from __future__ import annotations

import errno
import os
import sys
import traceback
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from bsevents import __version__, ui
from bsevents.completion.shells import use_in_typer
from bsevents.errors import BseventsError, ExitCode, exit_code_for

# Options whose value may be left out, and what they mean then. Click (as vendored by
# Typer) has no optional option values, so the argument list is completed before parsing.
OPTIONAL_VALUES = {"--watch": "auto"}


def complete_optional_values(args: list[str]) -> list[str]:
    """Insert the implied value after an option given without one: `--watch` followed by
    nothing, by another option, or by something that is not a duration."""
    from bsevents.timefmt import parse_duration

    out: list[str] = []
    for index, arg in enumerate(args):
        out.append(arg)
        if arg == "--":
            out.extend(args[index + 1 :])
            break
        if arg in OPTIONAL_VALUES:
            following = args[index + 1] if index + 1 < len(args) else None
            if (
                following is None
                or following.startswith("-")
                or (following != OPTIONAL_VALUES[arg] and parse_duration(following) is None)
            ):
                out.append(OPTIONAL_VALUES[arg])
    return out


class BseventsGroup(TyperGroup):
    """Turns a BseventsError raised by any command into its message and exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return list(super().parse_args(ctx, complete_optional_values(args)))

    def invoke(self, ctx: Any) -> Any:
        try:
            result = super().invoke(ctx)
            # Output still buffered would otherwise fail at exit, past every handler.
            sys.stdout.flush()
            return result
        except BseventsError as error:
            _fail(error)
        except KeyboardInterrupt:
            sys.stderr.write("\ninterrupted\n")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except OSError as error:
            _fail(_os_problem(error))


def _fail(error: BseventsError) -> NoReturn:
    if ui.debug_enabled():
        traceback.print_exc(file=sys.stderr)
    ui.error(error.message, error.hint)
    raise typer.Exit(exit_code_for(error)) from None


# What a write raises when its device cannot take the output: a full disk or /dev/full,
# a quota, a file grown too large, a terminal or disk that has gone away.
_OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _os_problem(error: OSError) -> BseventsError:
    """An operating-system error that escaped the command, as a one-line error: a file or
    folder bsevents cannot use, or output that cannot be written. A reader that stopped
    early (`| head`) ends the run quietly instead, as in cli/output.py."""
    if error.errno == errno.EPIPE:
        _discard_stdout()
        raise SystemExit(0)
    reason = error.strerror or str(error)
    if error.filename is not None:
        from bsevents.paths import FOLDERS_HINT, cannot_use

        return BseventsError(cannot_use(error), FOLDERS_HINT)
    if error.errno in _OUTPUT_ERRNOS and _stdout_refuses():
        _discard_stdout()
        return BseventsError(f"cannot write the output: {reason}")
    return BseventsError(f"cannot write: {reason}")


def _stdout_refuses() -> bool:
    """True when stdout fails even an empty write (/dev/full, a terminal that is gone)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, ValueError):  # not a real file: a test runner's buffer
        return False
    try:
        os.write(descriptor, b"")
    except OSError:
        return True
    return False


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit has nothing to fail on."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, ValueError):  # not a real file: nothing is flushed at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"bsevents {__version__}\n")
        raise typer.Exit()


app = typer.Typer(
    cls=BseventsGroup,
    name="bsevents",
    help="Debug Blueshift's 'Get customer events' API: one customer's events, sorted, "
    "readable, and within the 10-calls-an-hour budget.",
    no_args_is_help=True,
    # Plain click help: rich help costs ~100 ms of imports and reads "[env: X]" in help
    # text as markup, dropping it. Usage errors become plain lines too.
    rich_markup_mode=None,
    # Tracebacks with locals could show the API key; errors are one line unless --debug.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Show the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests on stderr; show tracebacks.")
    ] = False,
) -> None:
    """Debug Blueshift's 'Get customer events' API."""
    # This run's terminal state, handed down to every command through the context.
    ctx.obj = ui.start(ui.Terminal(debugging=debug))


def _register() -> None:
    from bsevents.cli import events, quota

    app.command(
        "events",
        help="Fetch one customer's events and show them sorted by time.",
        no_args_is_help=False,
    )(events.events_command)
    app.command("quota", help="Show the hourly budget of show_events calls.")(quota.quota_command)
    from bsevents.cli import lint

    app.command(
        "lint",
        help="Check one customer's events against built-in rules and a tracking plan.",
        no_args_is_help=False,
    )(lint.lint_command)

    from bsevents.cli import config

    app.add_typer(config.app, name="config")


_register()

# --show-completion and --install-completion: the scripts committed in completions/.
use_in_typer()


def run(argv: list[str] | None = None) -> None:
    """Run the app; an unexpected exception is a bug, reported in one line."""
    try:
        app(args=argv, prog_name="bsevents")
    except Exception as exc:
        if ui.debug_enabled():
            raise
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
        ui.error(
            f"internal error ({type(exc).__name__}{where})",
            "please report it; BSEVENTS_DEBUG=1 shows the traceback",
        )
        sys.exit(ExitCode.FAILED)
