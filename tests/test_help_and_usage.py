"""Help people can scan, usage errors in the tool's own words, and Typer only through
its public API (private names fenced in `bsevents/cli/framework.py`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from bsevents.cli.app import ALL_ENVIRONMENT, EVENTS_ENVIRONMENT, app
from bsevents.cli.framework import is_option
from bsevents.cli.helptext import ENVIRONMENT
from tests.completion_support import walk

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[tuple[tuple[str, ...], Any, Any]]:
    cli = typer.main.get_command(app)
    return list(walk(cli, typer.Context(cli, info_name="bsevents", **cli.context_settings)))


def sections(text: str) -> dict[str, list[str]]:
    """The help's sections (a line `Heading:` at column 0) and their lines."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][\w ]*:", line):
            current = line[:-1]
            out[current] = []
        elif current and line.strip():
            out[current].append(line)
    return out


@pytest.mark.parametrize(("path", "command", "ctx"), commands(), ids=lambda v: None)
def test_every_command_has_examples_described_arguments_and_no_framework_wording(
    cli: Any, path: tuple[str, ...], command: Any, ctx: Any
) -> None:
    result = cli(*path, "--help")
    assert (result.exit_code, result.stderr) == (0, "")
    text = result.stdout
    found = sections(text)
    examples = found.get("Examples", [])
    assert examples, text
    # Every example is a comment saying what it does, then a bsevents command line.
    assert len(examples) % 2 == 0
    assert all(line.startswith("  # ") for line in examples[::2])
    assert all("bsevents " + " ".join(path) in line for line in examples[1::2]), examples
    arguments = [p for p in command.get_params(ctx) if not is_option(p)]
    for argument in arguments:
        assert argument.help, f"{path}: {argument.name} has no description"
        assert any(row.split()[0] == argument.metavar for row in found["Arguments"])
    for wording in ("x>=", "<=x", "[default:", "{", "]:<", "Input should"):
        assert wording not in text, (path, wording)
    for variable in found.get("Environment", []):
        assert variable.split()[0] in ENVIRONMENT


def test_events_help_groups_its_options_under_headings_then_examples_and_environment(
    cli: Any,
) -> None:
    text = cli("events", "--help").stdout
    headings = [line[:-1] for line in text.splitlines() if re.fullmatch(r"[A-Z][\w ]*:", line)]
    assert headings == [
        "Arguments",
        "Customer and source",
        "Calls and budget",
        "Profile and region",
        "Filters",
        "View",
        "Options",
        "Examples",
        "Environment",
    ]
    found = sections(text)
    assert found["Customer and source"][0].split()[:3] == ["-u,", "--uuid", "CUSTOMER"]
    assert any(line.split()[0] == "--since" for line in found["Filters"])
    assert any(line.split()[0] == "--color" for line in found["View"])
    # In help's order (ENVIRONMENT's); tests/test_docs.py checks each command reads them.
    listed = [line.split()[0] for line in found["Environment"]]
    assert listed == [name for name in ENVIRONMENT if name in EVENTS_ENVIRONMENT]
    assert {"BLUESHIFT_API_KEY", "BLUESHIFT_REGION", "BSEVENTS_PROFILE"} <= set(listed)
    assert {"BSEVENTS_BASE_URL", "BSEVENTS_SHARED_URL", "NO_COLOR", "PAGER"} <= set(listed)
    # Defaults in the tool's words, not the framework's range notation.
    assert "Give up after this long. (default: 30)" in text
    # One option per name: none is listed twice, none is missing.
    listed = re.findall(r"^  (-\w, )?(--[\w-]+)", text, flags=re.M)
    names = [name for _, name in listed]
    assert len(names) == len(set(names)) == 36  # --plan, --where, -e, --wait among them


def test_root_help_lists_commands_examples_and_every_variable(cli: Any) -> None:
    found = sections(cli("--help").stdout)
    # A long summary wraps under itself (never cut with ...): only names start at column 2.
    named = [line for line in found["Commands"] if not line.startswith("   ")]
    assert [line.split()[0] for line in named] == [
        "events",
        "quota",
        "lint",
        "send",
        "reconcile",
        "config",
    ]
    assert [line.split()[0] for line in found["Environment"]] == list(ALL_ENVIRONMENT)
    assert "  bsevents events --demo" in found["Examples"]


@pytest.mark.parametrize(
    ("args", "message", "command"),
    [
        (["events", "--vew"], "no such option: --vew (did you mean --new, --view?)", "events"),
        (["events", "--timeout"], "option '--timeout' requires an argument", "events"),
        (
            ["events", "--view", "tabel"],
            "invalid value for '--view': 'tabel' is not one of 'table', 'timeline', 'json', "
            "'ndjson', 'csv'",
            "events",
        ),
        (
            ["events", "--limit", "many"],
            "invalid value for '--limit' / '-n': not a whole number",
            "events",
        ),
        (
            ["events", "--limit", "0"],
            "invalid value for '--limit' / '-n': must be at least 1",
            "events",
        ),
        (
            ["events", "--retries", "9"],
            "invalid value for '--retries': must be at most 5",
            "events",
        ),
        (["events", "--timeout", "soon"], "invalid value for '--timeout': not a number", "events"),
        (["events", "a", "b", "c"], "too many arguments: b c", "events"),
        (["config", "get"], "missing argument 'NAME'", "config get"),
        (["config", "path", "nowhere"], None, "config path"),
        (["evnets"], "no such command 'evnets' (did you mean 'events'?)", ""),
        (["--show-completion", "tcsh"], None, None),
    ],
)
def test_usage_errors_are_one_line_and_a_hint_naming_help(
    cli: Any, args: list[str], message: str | None, command: str | None
) -> None:
    result = cli(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    first, hint = result.stderr.splitlines()
    assert first.startswith("error: ")
    assert "Error" not in result.stderr
    if message is not None:
        assert first == f"error: {message}"
    if command is not None:
        assert hint == f"  see: {' '.join(['bsevents', *command.split()])} --help"


def test_show_completion_refuses_a_shell_it_has_no_script_for(cli: Any) -> None:
    result = cli("--show-completion", "tcsh")
    assert result.stderr == (
        "error: no completion for tcsh: bsevents completes in bash, zsh, fish\n"
        "  name one, e.g. bsevents --show-completion bash\n"
    )


def test_no_arguments_prints_the_help_on_stderr(cli: Any) -> None:
    result = cli()
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Usage: bsevents [OPTIONS] COMMAND [ARGS]...")


PRIVATE = re.compile(r"typer\._|typer\.core\b|from typer import _|_click\b")


def test_only_the_adapter_module_names_typer_internals() -> None:
    adapter = ROOT / "bsevents" / "cli" / "framework.py"
    offenders = []
    for path in [*(ROOT / "bsevents").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        if path in (adapter, Path(__file__).resolve()):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if PRIVATE.search(code) and not code.lstrip().startswith(("`", '"')):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_install_completion_adds_the_start_up_line_once(cli: Any, isolated: Path) -> None:
    (isolated / ".zshrc").write_text("export EDITOR=vi\n")
    for _ in range(2):
        result = cli("--install-completion", "zsh")
        assert (result.exit_code, result.stdout) == (
            0,
            f"zsh completion installed in {isolated / '.zfunc' / '_bsevents'}\n",
        )
    assert (isolated / ".zshrc").read_text() == (
        "export EDITOR=vi\nfpath+=~/.zfunc; autoload -Uz compinit; compinit\n"
    )
    committed = (ROOT / "completions" / "_bsevents").read_text()
    assert (isolated / ".zfunc" / "_bsevents").read_text() == committed


def test_show_completion_uses_shell_when_no_shell_is_detected(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shellingham  # type: ignore[import-untyped]

    def undetectable() -> tuple[str, str]:
        raise shellingham.ShellDetectionFailure

    monkeypatch.setattr(shellingham, "detect_shell", undetectable)
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    result = cli("--show-completion")
    assert (result.exit_code, result.stdout) == (
        0,
        (ROOT / "completions" / "bsevents.fish").read_text(),
    )


@pytest.mark.parametrize(
    ("click_says", "we_say"),
    [
        (
            "Invalid value for '-n': 5 is not in the range 0<=x<=3.",
            "invalid value for '-n': must be at most 3",
        ),
        (
            "Invalid value for '-n': -1 is not in the range 0<=x<=3.",
            "invalid value for '-n': must be at least 0",
        ),
        (
            "Invalid value for '-n': 0 is not in the range x>=1.",
            "invalid value for '-n': must be at least 1",
        ),
        (
            "Invalid value for '-n': 9 is not in the range x<=5.",
            "invalid value for '-n': must be at most 5",
        ),
        (
            "Invalid value for '-n': Input should be greater than or equal to 1",
            "invalid value for '-n': must be at least 1",
        ),
        (
            "Invalid value for '-t': 'x' is not a valid float range.",
            "invalid value for '-t': not a number",
        ),
        ("No such command 'x'.", "no such command 'x'"),
        ("Missing argument 'NAME'.", "missing argument 'NAME'"),
    ],
)
def test_parser_messages_are_reworded_alike_for_both_typer_versions(
    click_says: str, we_say: str
) -> None:
    from bsevents.cli.wording import sentence

    assert sentence(click_says) == we_say
