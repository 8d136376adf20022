"""The README, each command's --help and the code, kept in step.

- Options: every command and subcommand (walked from the Typer app, the lazily
  registered ones included) has its options in the README's option tables, the tables
  marked `<!-- options: bsevents COMMAND -->`, and every option those tables name exists
  on that command. `-h`/`--help`, which every command has, is said once in the README.
- Environment variables: the names the package looks up are found by reading its source
  (`os.environ.get("X")`, `env.get("X")`, `getenv("X")`, `environ["X"]`, `env="X"`
  keywords such as `Setting(env=...)`, and constants named `*_ENV`, `ENV_*` or `*_VAR`
  that hold a name). Each is in help's table (`helptext.ENVIRONMENT`, which the root help
  lists whole) and in the README's, except the platform's and the completion protocol's
  (`NOT_OURS`). Which command reads which is worked out by running each command, its
  failure path included, with `os.environ` recording every name asked for: each variable
  a command reads is in its --help's Environment section.
- Exit codes: each row of the README's exit-code table is produced by the console script
  in a test here.

Each check is a function that returns what is out of step, and a test shows that adding
an option or a variable without documenting it makes the check fail.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from bsevents.cli.app import app
from bsevents.cli.framework import is_group, is_option
from bsevents.cli.helptext import ENVIRONMENT
from tests.completion_support import walk
from tests.conftest import CUSTOMER
from tests.readme import README, readme_table
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

PACKAGE = Path(__file__).resolve().parents[1] / "bsevents"
UNIVERSAL = {"-h", "--help"}


# -- options ---------------------------------------------------------------------------------


def all_commands() -> list[tuple[str, Any]]:
    """("bsevents events", click command) for the root and every command under it."""
    cli = typer.main.get_command(app)
    ctx = typer.Context(cli, info_name="bsevents", **cli.context_settings)
    return [(" ".join(("bsevents", *path)), command) for path, command, _ in walk(cli, ctx)]


def command_options(command: Any) -> set[str]:
    """Every option name of a click command (both sides of `--pager/--no-pager`)."""
    return {
        name
        for param in command.params
        if is_option(param)
        for name in (*param.opts, *param.secondary_opts)
    }


def readme_option_tables(text: str) -> dict[str, set[str]]:
    """{command path: the options its marked tables name}: a table follows a line
    `<!-- options: bsevents A, bsevents B -->`; its first column's code spans hold them."""
    found: dict[str, set[str]] = {}
    lines = text.splitlines()
    for index, line in enumerate(lines):
        marker = re.fullmatch(r"<!-- options: (.+) -->", line.strip())
        if marker is None:
            continue
        rows = []
        for row in lines[index + 1 :]:
            if not row.startswith("|"):
                break
            rows.append(row)
        assert len(rows) > 2, f"no table after {line!r}"
        names: set[str] = set()
        for row in rows[2:]:
            first = re.split(r"(?<!\\)\|", row.strip().strip("|"))[0]
            for code in re.findall(r"`([^`]*)`", first):
                names |= set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", code))
        for path in marker.group(1).split(","):
            found.setdefault(path.strip(), set()).update(names)
    return found


def option_mismatches(commands: Iterable[tuple[str, Any]], readme: str) -> list[str]:
    """What is out of step between the commands' options and the README's tables."""
    tables = readme_option_tables(readme)
    problems = []
    seen = set()
    for path, command in commands:
        seen.add(path)
        real = command_options(command) - UNIVERSAL
        documented = tables.get(path, set())
        problems += [f"{path} {name}: not in the README's table" for name in real - documented]
        problems += [f"{path} {name}: in the README, not in --help" for name in documented - real]
    problems += [f"{path}: a README table for no command" for path in set(tables) - seen]
    return sorted(problems)


def test_every_option_of_every_command_is_in_the_readme_and_no_other() -> None:
    commands = all_commands()
    paths = {path for path, _ in commands}
    # The walk reaches the lazily registered commands and the config group's.
    assert {"bsevents", "bsevents send", "bsevents config show", "bsevents lint"} <= paths
    assert option_mismatches(commands, README.read_text(encoding="utf-8")) == []
    assert "`-h`, on every command" in README.read_text(encoding="utf-8")


def test_an_option_added_without_documentation_fails_the_check() -> None:
    commands = all_commands()
    readme = README.read_text(encoding="utf-8")
    path, send = next((p, c) for p, c in commands if p == "bsevents send")
    changed = copy.copy(send)
    extra = copy.copy(next(p for p in send.params if is_option(p) and "--curl" in p.opts))
    extra.opts = ["--brand-new"]
    changed.params = [*send.params, extra]
    swapped = [(p, changed if p == path else c) for p, c in commands]
    assert option_mismatches(swapped, readme) == [
        "bsevents send --brand-new: not in the README's table"
    ]
    # And a row for an option that is gone, or a table that lost a row, fails too.
    stale = re.sub(r"^\| `--event-uuid ", "| `--event-id ", readme, count=1, flags=re.M)
    assert option_mismatches(commands, stale) == [
        "bsevents send --event-id: in the README, not in --help",
        "bsevents send --event-uuid: not in the README's table",
    ]


# -- environment variables -------------------------------------------------------------------

# Read by the package, but not bsevents' to document: the platform's (where a user's
# folders are, which shell and machine this is, read as platformdirs and shellingham read
# them) and the completion protocol's (set by the completion scripts for the program).
NOT_OURS = {
    "HOME": "the platform's home folder",
    "ANDROID_DATA": "tells Android apart, as platformdirs does",
    "ANDROID_ROOT": "tells Android apart, as platformdirs does",
    "COMPUTERNAME": "the machine's name on Windows, for the remembered keyring backend",
    "SHELL": "the login shell, when --install-completion cannot see the calling one",
    "COMP_WORDS": "set by the bash completion script",
    "COMP_CWORD": "set by the bash completion script",
    "_TYPER_COMPLETE_ARGS": "set by the zsh and fish completion scripts",
    "_TYPER_COMPLETE_WORD_TO_COMPLETE": "set by the zsh and fish completion scripts",
    "_TYPER_COMPLETE_FISH_ACTION": "set by the fish completion script",
}
VARIABLE_RE = re.compile(r"_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
OURS_RE = re.compile(r"_?(?:BLUESHIFT|BSEVENTS)_[A-Z0-9_]+")
HOLDS_A_NAME_RE = re.compile(r"(?:^|_)(?:ENV|VAR)(?:_|$)")


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_environment(node: ast.AST) -> bool:
    """`os.environ`, `env`, `ctx.env`, `(os.environ if env is None else env)`..."""
    return ast.unparse(node).lower().rstrip(")").endswith(("environ", "env"))


def looked_up(source: str) -> set[str]:
    """The environment variable names one module's source looks up."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        name = None
        if isinstance(node, ast.Call):
            func = node.func
            getter = isinstance(func, ast.Attribute) and (
                func.attr == "getenv" or (func.attr == "get" and _is_environment(func.value))
            )
            if (getter or (isinstance(func, ast.Name) and func.id == "getenv")) and node.args:
                name = _text(node.args[0])
            found |= {_text(k.value) or "" for k in node.keywords if k.arg == "env"}
        elif isinstance(node, ast.Subscript) and _is_environment(node.value):
            name = _text(node.slice)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and HOLDS_A_NAME_RE.search(target.id):
                name = _text(node.value)
        if name is not None:
            found.add(name)
    return {name for name in found if VARIABLE_RE.fullmatch(name)}


def scanned_variables(package: Path = PACKAGE) -> set[str]:
    """Every name the package's source looks up in the environment."""
    return {name for path in package.rglob("*.py") for name in looked_up(path.read_text("utf-8"))}


def readme_variables(readme: str) -> set[str]:
    """The variables of the README's table under "## Environment variables"."""
    body = readme.split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_][A-Z0-9_]*)` \|", body, flags=re.M))


def variable_mismatches(scanned: set[str], readme: str) -> list[str]:
    ours = scanned - set(NOT_OURS)
    documented = readme_variables(readme)
    problems = [f"{name}: read, not in help's table" for name in ours - set(ENVIRONMENT)]
    problems += [f"{name}: read, not in the README" for name in ours - documented]
    problems += [f"{name}: in help's table, never read" for name in set(ENVIRONMENT) - ours]
    problems += [f"{name}: in the README, never read" for name in documented - ours]
    return sorted(problems)


def test_every_variable_the_code_reads_is_documented_in_help_and_the_readme() -> None:
    scanned = scanned_variables()
    # The scan finds what the package really reads, through each way it is written.
    assert {"PAGER", "BSEVENTS_SHARED_URL", "BSEVENTS_KEYRING_TIMEOUT", "HOME"} <= scanned
    assert variable_mismatches(scanned, README.read_text(encoding="utf-8")) == []


def test_a_variable_added_without_documentation_fails_the_check(tmp_path: Path) -> None:
    copied = tmp_path / "bsevents"
    shutil.copytree(PACKAGE, copied, ignore=shutil.ignore_patterns("__pycache__"))
    (copied / "state" / "extra.py").write_text(
        'import os\n\nBRAND_NEW_ENV = "BSEVENTS_BRAND_NEW"\n\n\n'
        'def colour() -> str:\n    return os.environ.get("BSEVENTS_COLOUR", "")\n'
    )
    assert variable_mismatches(scanned_variables(copied), README.read_text("utf-8")) == [
        "BSEVENTS_BRAND_NEW: read, not in help's table",
        "BSEVENTS_BRAND_NEW: read, not in the README",
        "BSEVENTS_COLOUR: read, not in help's table",
        "BSEVENTS_COLOUR: read, not in the README",
    ]


class Recording(dict[str, str]):
    """os.environ that remembers every name asked for."""

    asked: set[str]

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked = set()

    def get(self, key: Any, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


SENT_BODY = '{"event": "signed_up", "email": "maya@example.com"}\n'

# Runs that take each command down the paths that read the environment: settings
# resolved, keys looked up in the keyring (the tests' keyring cannot be used), a table
# paged on a terminal. Every command also runs with an unknown option, the error path.
# A run's `STDIN` is what it reads on standard input, not a variable.
RUNS: dict[str, list[tuple[list[str], dict[str, str]]]] = {
    "bsevents": [(["--version"], {})],
    "bsevents events": [
        (["events", "--demo"], {}),
        (["events", CUSTOMER], {}),
        (["events", "--demo", "--view", "table", "--pager"], {"PAGER": "cat", "LINES": "5"}),
    ],
    "bsevents lint": [(["lint", "--demo"], {}), (["lint", CUSTOMER], {})],
    "bsevents reconcile": [(["reconcile", "-", CUSTOMER], {"STDIN": SENT_BODY})],
    "bsevents send": [
        (["send", "x", "--cookie", "c"], {}),
        (["send", "x", "--cookie", "c", "--uuid", CUSTOMER, "--wait", "1m"], {}),
    ],
    "bsevents quota": [(["quota"], {})],
    "bsevents config set-key": [
        (["config", "set-key", "--stdin"], {}),
        (["config", "set-key", "--event", "--stdin", "--insecure-storage"], {}),
    ],
    "bsevents config delete-key": [
        (["config", "delete-key"], {}),
        (["config", "delete-key", "--event"], {}),
    ],
    "bsevents config set": [
        (["config", "set", "region", "eu"], {}),
        (["config", "set", "shared-url", "redis://localhost"], {}),
    ],
    "bsevents config unset": [(["config", "unset", "region"], {})],
    "bsevents config get": [(["config", "get", "region"], {})],
    "bsevents config show": [(["config", "show"], {})],
    "bsevents config path": [(["config", "path"], {})],
    "bsevents config profiles": [(["config", "profiles"], {})],
    "bsevents config use": [(["config", "use", "default"], {})],
}


def environment_sections(help_text: str) -> set[str]:
    """The variables a --help's Environment section lists."""
    body = help_text.split("\nEnvironment:\n", 1)[1] if "\nEnvironment:\n" in help_text else ""
    return {line.split()[0] for line in body.splitlines() if line.startswith("  ")}


def read_by_each_command(
    cli: Any, monkeypatch: pytest.MonkeyPatch, paths: Iterable[str]
) -> Iterator[tuple[str, set[str]]]:
    """(command path, the variables it read) over RUNS and an unknown option each."""
    from bsevents.views import events as events_view
    from bsevents.views import output

    # A terminal, for the pager's run (the others are not paged: their view is JSON).
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(events_view, "stdout_is_terminal", lambda: True)
    base = dict(os.environ)
    for path in paths:
        words = path.split()[1:]
        asked: set[str] = set()
        for args, extra in [*RUNS[path], ([*words, "--no-such-option"], {})]:
            variables = dict(extra)
            stdin = variables.pop("STDIN", "")  # what the run reads on stdin, if anything
            recording = Recording({**base, **variables})
            monkeypatch.setattr(os, "environ", recording)
            cli(*args, input=stdin)
            asked |= recording.asked
        monkeypatch.setattr(os, "environ", Recording(base))
        yield path, asked


def test_each_command_lists_in_its_help_every_variable_it_reads(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = dict(all_commands())
    leaves = [path for path, command in commands.items() if not is_group(command)]
    assert sorted(RUNS) == sorted([*leaves, "bsevents"]), "a command with no runs here"
    ours = scanned_variables() - set(NOT_OURS)
    helps = {
        path: environment_sections(cli(*path.split()[1:], "--help").stdout) for path in commands
    }
    read_anywhere: set[str] = set()
    missing = []
    for path, asked in read_by_each_command(cli, monkeypatch, [*leaves, "bsevents"]):
        # Names of ours asked for, even by a hand-written list the scan cannot see.
        read = {name for name in asked if name in ours or OURS_RE.fullmatch(name)}
        read_anywhere |= read
        if path != "bsevents":
            # Before any command: the completion protocol, which the root's help lists.
            read.discard("_BSEVENTS_COMPLETE")
        missing += [f"{path}: reads {name}" for name in sorted(read - helps[path])]
        for group in (g for g in commands if is_group(commands[g]) and path.startswith(g + " ")):
            missing += [f"{group}: {path} reads {name}" for name in sorted(read - helps[group])]
    assert missing == []
    # Every variable of ours was read by a run above: the runs reach every reading path.
    assert read_anywhere == ours
    assert helps["bsevents"] == set(ENVIRONMENT)


# -- exit codes ------------------------------------------------------------------------------


def run_script(args: list[str], **env: str | None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    environment = {k: v for k, v in environment.items() if v is not None}
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def interrupted(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Ctrl-C while `--from-file` waits for a named pipe's writer."""
    fifo = tmp_path / "answer.fifo"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        [str(SCRIPT), "events", "--from-file", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    wchan = Path(f"/proc/{process.pid}/wchan")
    while time.monotonic() < deadline:  # until it waits in open() for a writer
        if wchan.read_text() == "wait_for_partner":
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def produce(code: int, standin: StandIn, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """A run of the console script that ends with exit code `code`."""
    standin.customers[CUSTOMER] = []
    if code == 0:
        return run_script(["events", "--demo"])
    if code == 1:
        standin.reply(Reply(500, {"message": "Internal Server Error"}))
        return run_script(["events", CUSTOMER, "--retries", "0"])
    if code == 2:
        return run_script(["events", "--limit", "0"])
    if code == 3:
        return run_script(["events", CUSTOMER], BLUESHIFT_API_KEY=None)
    if code == 4:
        return run_script(["events", "0badbeef-0000-4000-8000-000000000000"])
    if code == 5:
        standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
        return run_script(["events", CUSTOMER])
    if code == 6:
        return run_script(["events", "--demo", "--where", "no_such_field", "-e"])
    if code == 130:
        return interrupted(tmp_path)
    raise AssertionError(f"no run here ends with exit code {code}")


@pytest.mark.parametrize("code", [int(row[0]) for row in readme_table("## Exit codes")])
def test_each_exit_code_of_the_readme_is_what_the_console_script_exits_with(
    standin: StandIn, tmp_path: Path, code: int
) -> None:
    done = produce(code, standin, tmp_path)
    assert done.returncode == code, done.stderr
    if code not in (0, 6):
        assert done.stdout == ""
        assert done.stderr.startswith(("error: ", "\ninterrupted")), done.stderr
