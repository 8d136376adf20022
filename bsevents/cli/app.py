"""The root `bsevents` app, and the one place where errors become exit codes."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from bsevents import __version__
from bsevents.cli import framework
from bsevents.cli.helptext import (
    ENVIRONMENT,
    EVERY_COMMAND,
    KEYRING_VARIABLES,
    SETTINGS_VARIABLES,
    epilog,
)
from bsevents.cli.lazy import LazyCommand, LazyGroup
from bsevents.errors import AnswerIsNo, BseventsError, ExitCode, UsageProblem, exit_code_for
from bsevents.views import ui

# Options whose value may be left out: the value they mean then, and the values they take.
# Click (as vendored by Typer) has no optional option values, so the argument list is
# completed before parsing.
OPTIONAL_VALUES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "--watch": ("auto", lambda value: _parse_duration(value) is not None),
    "--show-completion": ("auto", lambda value: not value.startswith("-")),
    "--install-completion": ("auto", lambda value: not value.startswith("-")),
}


def _parse_duration(text: str) -> float | None:
    from bsevents.model.times import parse_duration

    return parse_duration(text)


def complete_optional_values(args: list[str]) -> list[str]:
    """Insert the implied value after an option given without one: `--watch` followed by
    nothing, by another option, or by something that is not a duration."""
    out: list[str] = []
    for index, arg in enumerate(args):
        out.append(arg)
        if arg == "--":
            out.extend(args[index + 1 :])
            break
        if arg in OPTIONAL_VALUES:
            implied, takes = OPTIONAL_VALUES[arg]
            following = args[index + 1] if index + 1 < len(args) else None
            if following is None or (following != implied and not takes(following)):
                out.append(implied)
    return out


class BseventsGroup(LazyGroup):
    """The root group: imports only the command that runs (`COMMANDS`, below), and turns
    every error, the option parser's included, into one line on stderr and its exit code."""

    def lazy_commands(self) -> Mapping[str, LazyCommand]:
        return COMMANDS

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _refuse_undecodable(self, ctx, args)
        return list(super().parse_args(ctx, complete_optional_values(args)))

    def invoke(self, ctx: Any) -> Any:
        try:
            result = super().invoke(ctx)
            # Output still buffered would otherwise fail at exit, past every handler.
            sys.stdout.flush()
            return result
        except KeyboardInterrupt:
            sys.stderr.write("\ninterrupted\n")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except OSError as error:
            raise _os_problem(error) from None

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False  # errors are reported below, not by click
        try:
            code = super().main(*args, **kwargs)
        except BseventsError as error:
            code = _report(error)
        except framework.NoArgsIsHelpError as error:
            error.show()  # the help, on stderr
            code = ExitCode.USAGE
        except framework.UsageError as error:
            code = _report(_usage_problem(error))
        except framework.ClickException as error:
            from bsevents.cli.wording import sentence

            ui.error(sentence(error.format_message()))
            code = error.exit_code
        except typer.Abort:
            ui.error("aborted")
            code = ExitCode.FAILED
        code = code if isinstance(code, int) else ExitCode.OK
        if standalone_mode:
            sys.exit(code)
        return code


def _refuse_undecodable(root: Any, ctx: Any, args: list[str]) -> None:
    """Every word of the command line is UTF-8 text, or UsageProblem naming the option or
    argument it belongs to. Python hands over bytes that are not UTF-8 as lone surrogates
    (surrogateescape), which no output, file or request can carry: checked here, once, for
    every option and argument of every command, before any of them is read."""
    for index, word in enumerate(args):
        if any("\ud800" <= char <= "\udfff" for char in word):
            shown = repr(os.fsencode(word))
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            raise UsageProblem(
                f"{_owner(root, ctx, args, index)}: {shown} is not UTF-8 text",
                "bsevents reads its command line as UTF-8: check the encoding of the "
                "terminal or script that wrote it",
            )


def _owner(root: Any, ctx: Any, args: list[str], index: int) -> str:
    """What `args[index]` gives a value to, as help names it: an option (`--param`), an
    argument (`EVENT`), or a command name."""
    command, position, options_done, at = root, 0, False, 0
    while at <= index:
        word = args[at]
        if not options_done and word == "--":
            options_done, at = True, at + 1
            continue
        if not options_done and word.startswith("-") and len(word) > 1:
            shown, value_next = _option_word(command, ctx, word)
            if at == index or (value_next and at + 1 == index):
                return shown
            at += 2 if value_next else 1
            continue
        sub = command.get_command(ctx, word) if framework.is_group(command) else None
        if at == index:
            return (
                "a command name"
                if framework.is_group(command)
                else _argument(command, ctx, position)
            )
        if sub is not None:
            command, position = sub, 0
        else:
            position += 1
        at += 1
    return "an argument"


def _option_word(command: Any, ctx: Any, word: str) -> tuple[str, bool]:
    """The option an option word gives a value to, as help names it (the last of a group
    of short flags, `-qp` being `-q -p`), and whether its value is the next word."""

    def found(name: str) -> Any:
        options = (p for p in command.get_params(ctx) if framework.is_option(p))
        return next((p for p in options if name in p.opts), None)

    def takes_value(param: Any) -> bool:
        return not (param.is_flag or param.count)

    if word.startswith("--"):
        name, attached = (word.split("=", 1)[0], True) if "=" in word else (word, False)
        param = found(name)
        if param is None:
            return "an option", False
        return str(max(param.opts, key=len)), takes_value(param) and not attached
    for at, char in enumerate(word[1:], 1):  # -qpVALUE, -qp VALUE: flags, then one option
        param = found(f"-{char}")
        if param is None:
            return "an option", False
        if takes_value(param):
            return str(max(param.opts, key=len)), at == len(word) - 1
    return str(max(param.opts, key=len)), False


def _argument(command: Any, ctx: Any, position: int) -> str:
    arguments = [p for p in command.get_params(ctx) if not framework.is_option(p)]
    if position >= len(arguments) and arguments and arguments[-1].nargs == -1:
        position = len(arguments) - 1
    if position >= len(arguments):
        return "an extra argument"
    param = arguments[position]
    return str(param.metavar or (param.name or "argument").upper())


# What a write raises when its device cannot take the output: a full disk or /dev/full,
# a quota, a file grown too large, a terminal or disk that has gone away.
_OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _os_problem(error: OSError) -> BseventsError:
    """An operating-system error that escaped the command, as a one-line error: a file or
    folder bsevents cannot use, or output that cannot be written. A reader that stopped
    early (`| head`) ends the run quietly instead, as in views/output.py."""
    from bsevents.views.output import discard_stdout

    if error.errno == errno.EPIPE:
        discard_stdout()
        raise SystemExit(0)
    reason = error.strerror or str(error)
    if error.filename is not None:
        from bsevents.state.paths import FOLDERS_HINT, cannot_use

        return BseventsError(cannot_use(error), FOLDERS_HINT)
    if error.errno in _OUTPUT_ERRNOS and _stdout_refuses():
        discard_stdout()
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


def _report(error: BseventsError) -> int:
    if ui.debug_enabled():
        import traceback

        traceback.print_exc(file=sys.stderr)
    if isinstance(error, AnswerIsNo):
        ui.note(error.message)  # an answer, not a failure: no "error:", and -q hides it
    else:
        ui.error(error.message, error.hint)
    return exit_code_for(error)


def _usage_problem(error: Any) -> UsageProblem:
    """The option parser's error in the tool's own words: `error: ...` and a hint naming
    the command's --help, instead of click's usage line and `Error: ...`."""
    from bsevents.cli.wording import sentence

    path = error.ctx.command_path if error.ctx is not None else "bsevents"
    return UsageProblem(sentence(error.format_message()), f"see: {path} --help")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"bsevents {__version__}\n")
        raise typer.Exit()


def _show_completion(value: str | None) -> None:
    if value is not None:
        from bsevents.completion.install import choose_shell
        from bsevents.completion.shells import render

        sys.stdout.write(render(choose_shell(value), "bsevents"))
        raise typer.Exit()


def _install_completion(value: str | None) -> None:
    if value is not None:
        from pathlib import Path

        from bsevents.completion.install import choose_shell, install

        shell = choose_shell(value)
        path = install(shell, "bsevents", Path.home())
        sys.stdout.write(f"{shell} completion installed in {path}\n")
        ui.note("completion takes effect in a new shell")
        raise typer.Exit()


EXAMPLE_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
ALL_ENVIRONMENT = tuple(ENVIRONMENT)
# What each command reads (tests/test_docs.py runs every command and checks).
EVENTS_ENVIRONMENT = (
    "BLUESHIFT_API_KEY",
    *SETTINGS_VARIABLES,
    *KEYRING_VARIABLES,
    *EVERY_COMMAND,
    "PAGER",
)
LINT_ENVIRONMENT = tuple(name for name in EVENTS_ENVIRONMENT if name != "PAGER")
SEND_ENVIRONMENT = ("BLUESHIFT_EVENT_API_KEY", *LINT_ENVIRONMENT)
QUOTA_ENVIRONMENT = LINT_ENVIRONMENT
# `reconcile` reads what `events` does, but pages nothing.
RECONCILE_ENVIRONMENT = LINT_ENVIRONMENT

app = typer.Typer(
    cls=BseventsGroup,
    name="bsevents",
    help="Debug Blueshift's 'Get customer events' API: one customer's events, sorted, "
    "readable, and within the 10-calls-an-hour budget.",
    epilog=epilog(
        [
            (
                "See what bsevents shows, on the bundled demo: no key, no call",
                "bsevents events --demo",
            ),
            ("Store the API key in the system keyring", "bsevents config set-key"),
            ("One customer's events, oldest first", f"bsevents events {EXAMPLE_UUID}"),
            ("How many of the 10 calls an hour are left", "bsevents quota"),
        ],
        ALL_ENVIRONMENT,
    ),
    no_args_is_help=True,
    # Plain click help: rich help costs ~100 ms of imports and reads "[env: X]" in help
    # text as markup, dropping it. Usage errors become plain lines too.
    rich_markup_mode=None,
    # Tracebacks with locals could show the API key; errors are one line unless --debug.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    # Typer's --install-completion and --show-completion install Typer's scripts; ours
    # (below) serve the committed ones in completions/.
    add_completion=False,
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
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="[SHELL]",
            help="Install TAB completion for bash, zsh or fish (default: this shell).",
            callback=_install_completion,
            is_eager=True,
            show_default=False,
        ),
    ] = None,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="[SHELL]",
            help="Print the completion script for bash, zsh or fish (default: this shell).",
            callback=_show_completion,
            is_eager=True,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Debug Blueshift's 'Get customer events' API."""
    from bsevents.cli.runtime import Runtime

    # This run's world (clock, transport, environment) and terminal, handed down to every
    # command through the context: a test may hand in its own.
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    runtime.terminal.debugging = runtime.terminal.debugging or debug
    ui.start(runtime.terminal)
    ctx.obj = runtime


EVENTS_EXAMPLES = [
    ("The bundled demo journey: no key, no call", "bsevents events --demo"),
    ("A customer by UUID (or a dashboard URL, quoted)", f"bsevents events {EXAMPLE_UUID}"),
    (
        "By email, only purchases of the last 2 hours",
        "bsevents events --email ana@example.com -t purchase --since 2h",
    ),
    (
        "Event names, oldest first, through jq",
        f"bsevents events {EXAMPLE_UUID} | jq -r '.[].event'",
    ),
    (
        "The stored response again, as a timeline: no call",
        f"bsevents events {EXAMPLE_UUID} --offline --view timeline",
    ),
    ("Wait for new events within the hourly budget", f"bsevents events {EXAMPLE_UUID} --watch"),
    ("One event in full, from a saved response", "bsevents events -f events.json --show 3766f118"),
]


UUID = EXAMPLE_UUID
LINT_EXAMPLES = [
    ("What is wrong with a customer's events (exit 6 on an error)", f"bsevents lint {UUID}"),
    ("Check them against a tracking plan too", f"bsevents lint {UUID} --plan plan.json"),
    ("A first tracking plan, from real traffic", f"bsevents lint {UUID} --infer > plan.json"),
    ("The findings as JSON, on the demo", "bsevents lint --demo --json | jq '.[].rule'"),
]
SEND_EXAMPLES = [
    (
        "Send a test event; its event_uuid is printed",
        "bsevents send signed_up --email ana@example.com -p plan=pro -p seats:=3",
    ),
    (
        "Send one and wait until show_events has it (a round trip)",
        "bsevents send purchase --email ana@example.com -p order_id=T-1 --wait 10m",
    ),
    (
        "Replay logged payloads as they were sent (one JSON object a line), and wait",
        f"bsevents send --data payloads.ndjson --uuid {EXAMPLE_UUID} --wait 10m",
    ),
    ("The request as curl, sending nothing", "bsevents send login --customer-id 42 --curl"),
]

RECONCILE_EXAMPLES = [
    (
        "What the page sent (DevTools: Save all as HAR) against what arrived",
        "bsevents reconcile page.har",
    ),
    ("The same for a customer the capture does not name", f"bsevents reconcile page.har {UUID}"),
    (
        "Wait, sparing the budget, until nothing sent is missing",
        "bsevents reconcile page.har --wait 10m",
    ),
    (
        "A server's logged Event API bodies, against a saved response: no call",
        "bsevents reconcile bodies.ndjson -f events.json",
    ),
]


# The subcommands, registered by name with the one line the root help lists: a command's
# module is imported only when that command runs or shows its help (see cli/lazy.py).
COMMANDS = {
    "events": LazyCommand(
        "bsevents.cli.commands.events:events_command",
        "Fetch one customer's events and show them sorted by time.",
        epilog(EVENTS_EXAMPLES, EVENTS_ENVIRONMENT),
    ),
    "quota": LazyCommand(
        "bsevents.cli.commands.quota:quota_command",
        "Show the hourly budget of show_events calls.",
        epilog(
            [
                ("Calls left this hour, and the calls in the window", "bsevents quota"),
                ("The same as JSON, for scripts", "bsevents quota --json"),
            ],
            QUOTA_ENVIRONMENT,
        ),
    ),
    "lint": LazyCommand(
        "bsevents.cli.commands.lint:lint_command",
        "Check one customer's events against built-in rules and a tracking plan.",
        epilog(LINT_EXAMPLES, LINT_ENVIRONMENT),
    ),
    "send": LazyCommand(
        "bsevents.cli.commands.send:send_command",
        "Send events through Blueshift's Event API, or replay logged ones.",
        epilog(SEND_EXAMPLES, SEND_ENVIRONMENT),
    ),
    "reconcile": LazyCommand(
        "bsevents.cli.commands.reconcile:reconcile_command",
        "Set what a browser or app sent (a HAR capture, or Event API bodies) against what arrived.",
        epilog(RECONCILE_EXAMPLES, RECONCILE_ENVIRONMENT),
    ),
    # A group: its help and its commands' are its own, in cli/commands/config.py.
    "config": LazyCommand(
        "bsevents.cli.commands.config:app",
        "Store the API key, change settings and switch profiles.",
    ),
}


def run(argv: list[str] | None = None) -> None:
    """Run the app; an unexpected exception is a bug, reported in one line."""
    try:
        app(args=argv, prog_name="bsevents")
    except Exception as exc:
        if ui.debug_enabled():
            raise
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
        ui.error(
            f"internal error ({type(exc).__name__}{where})",
            "please report it; BSEVENTS_DEBUG=1 shows the traceback",
        )
        sys.exit(ExitCode.FAILED)
