"""The installed console script answering completion requests: Typer's protocol, the
output formats, and what a TAB may import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bsevents import entry
from bsevents.cli.framework import click_split
from bsevents.completion import fast, shells, spec
from tests.completion_support import (
    ANA,
    BO,
    COMPLETIONS,
    NULL_EMAIL,
    SCRIPT,
    install_local_data,
    option,
    script_env,
    subcommands,
)

FORBIDDEN = (
    "typer",
    "click",
    "pydantic",
    "httpx",
    "rich",
    "keyring",
    "platformdirs",
    "tomllib",
    "tomli",
    "sqlite3",
    "bsevents.cli",
    "typing",  # a few milliseconds of every TAB
)


def complete(shell: str, line: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run the console script as `shell`'s script would for `line` (cursor at the end)."""
    env = script_env(_BSEVENTS_COMPLETE=f"complete_{shell}", **extra)
    if shell == "bash":
        words = line.split(" ")
        env.update(COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1))
    else:
        env.update(_TYPER_COMPLETE_ARGS=line)
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def data(isolated: Path) -> Path:
    install_local_data(isolated)
    return isolated


def imported_modules(*args: str, **env: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(SCRIPT), *args],
        env=script_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "bsevents events "),
        ("zsh", "bsevents events --uuid "),
        ("fish", "bsevents events --view "),
        ("bash", "bsevents -"),
    ],
)
def test_a_tab_imports_neither_the_cli_framework_nor_anything_slow(
    data: Path, shell: str, line: str
) -> None:
    extra = {"_BSEVENTS_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        extra.update(COMP_WORDS=line, COMP_CWORD=str(len(line.split(" ")) - 1))
    else:
        extra.update(_TYPER_COMPLETE_ARGS=line)
    modules = imported_modules(**extra)
    assert "bsevents.completion.spec" in modules  # the measurement saw our imports
    assert sorted(m for m in modules if m.split(".")[0] in FORBIDDEN or m in FORBIDDEN) == []
    assert "bsevents.cli" not in modules


def test_reading_profiles_and_event_names_imports_nothing_slow(data: Path) -> None:
    # Today's app has no --profile or --type to complete yet: read them directly.
    code = (
        "import sys; from bsevents.completion.fast import respond; "
        "from bsevents.completion.local import LocalSources as S; s = S(); "
        "assert s.profiles()[1][0] == 'staging' and s.event_names()[0] == 'identify'; "
        "print(' '.join(sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=script_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    modules = set(done.stdout.split())
    assert sorted(m for m in modules if m.split(".")[0] in FORBIDDEN or m in FORBIDDEN) == []


def test_version_imports_nothing_of_ours_beyond_the_entry_point() -> None:
    modules = imported_modules("--version")
    assert {m for m in modules if m.startswith("bsevents")} == {"bsevents", "bsevents.entry"}


def test_bash_gets_values_one_per_line_customers_newest_first(data: Path) -> None:
    done = complete("bash", "bsevents events ")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{ANA}\n{NULL_EMAIL}\n{BO}\n", "")
    assert complete("bash", "bsevents ").stdout == "".join(f"{n}\n" for n, _ in subcommands())
    assert complete("bash", "bsevents events --region u").stdout == "us\n"
    assert complete("bash", "bsevents events --region = e").stdout == "eu\n"
    assert complete("bash", "bsevents events --timeout ").stdout == ""


def test_zsh_gets_an_arguments_call_with_descriptions(data: Path) -> None:
    # The fixture's fetches are from March 2026, over two months ago: dates, not ages.
    assert complete("zsh", "bsevents events 5").stdout == (
        f'_arguments \'*: :(("{ANA}":"ana@example.com · 35 events · fetched 2026-03-02"\n'
        f'"{BO}":"bo@example.org · 0 events · fetched 2026-02-20"))\'\n'
    )
    assert complete("zsh", "bsevents events --region ").stdout == (
        '_arguments \'*: :(("us"\n"eu"))\'\n'
    )
    # Nothing to offer: file names, as Typer does.
    assert complete("zsh", f"bsevents events {ANA} ").stdout == "_files\n"


def test_fish_gets_tab_separated_descriptions_and_is_args_exit_status(data: Path) -> None:
    done = complete("fish", "bsevents events -u ", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert done.stdout == (
        f"{ANA}\tana@example.com · 35 events · fetched 2026-03-02\n"
        f"{NULL_EMAIL}\t1 event · fetched 2026-03-01\n"
        f"{BO}\tbo@example.org · 0 events · fetched 2026-02-20\n"
    )
    assert complete("fish", "bsevents events --region ").stdout == "us\neu\n"
    assert complete("fish", "bsevents events --region=").stdout == "--region=us\n--region=eu\n"
    # Typer's own fish script first asks whether there is anything to offer.
    is_args = {"_TYPER_COMPLETE_FISH_ACTION": "is-args"}
    assert complete("fish", "bsevents events --view ", **is_args).returncode == 0
    assert complete("fish", f"bsevents events {ANA} ", **is_args).returncode == 1


def test_powershell_gets_value_and_help_split_by_three_colons(data: Path) -> None:
    env = {"_TYPER_COMPLETE_WORD_TO_COMPLETE": "--uu"}
    done = complete("powershell", "bsevents events --uu", **env)
    assert done.stdout == f"--uuid:::{option(('events',), '--uuid').help}\n"
    assert complete("pwsh", "bsevents events --region ").stdout == "us::: \neu::: \n"


# A value with a quote, a description with everything a shell might expand, and a colon.
TRICKY = [("it's", 'say "hi": $HOME `id` \\ \n  twice'), ("a:b", None)]


def test_answer_formats_for_each_shell() -> None:
    assert shells.answer("bash", TRICKY) == ("it's\na:b\n", 0)
    assert shells.answer("bash", []) == ("", 0)
    # zsh evals an _arguments call: quotes, $, backquotes and backslashes are escaped for
    # the double-quoted words inside it, colons for _describe (the real zsh test:
    # test_completion_shells.py).
    zsh = r"""_arguments '*: :(("it'\''s":"say \"hi\"\\: \$HOME \`id\` \\\\ twice"
"a\\:b"))'
"""
    assert shells.answer("zsh", TRICKY) == (zsh, 0)
    assert shells.answer("zsh", []) == ("_files\n", 0)
    assert shells.answer("fish", TRICKY) == ('it\'s\tsay "hi": $HOME `id` \\ twice\na:b\n', 0)
    assert shells.answer("fish", [], "is-args") == ("", 1)
    assert shells.answer("fish", TRICKY, "is-args") == ("", 0)
    assert shells.answer("powershell", TRICKY) == (
        'it\'s:::say "hi": $HOME `id` \\ twice\na:b::: \n',
        0,
    )


@pytest.mark.parametrize("shell", shells.SHELLS)
def test_source_instruction_prints_the_committed_script(shell: str) -> None:
    env = script_env(_BSEVENTS_COMPLETE=f"source_{shell}")
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    name = shells.FILE_NAMES[shell].format(prog="bsevents")
    assert (done.returncode, done.stdout) == (0, (COMPLETIONS / name).read_text())


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        ("complete_tcsh", "Shell tcsh not supported.\n"),
        ("bash_source", "Shell source not supported.\n"),
        ("nonsense", "Invalid completion instruction.\n"),
    ],
)
def test_requests_the_fast_path_does_not_know_are_left_to_typer(
    instruction: str, message: str
) -> None:
    env = script_env(_BSEVENTS_COMPLETE=instruction)
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", message)


def test_the_entry_point_and_the_spec_agree_on_the_variable() -> None:
    assert entry.COMPLETE_VAR == spec.COMPLETE_VAR == "_BSEVENTS_COMPLETE"


def test_an_internal_error_offers_nothing_unless_debugging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(fast, "complete", broken)
    env = {"_BSEVENTS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "bsevents "}
    assert fast.respond(env) == ("_files\n", 0)
    with pytest.raises(RuntimeError, match="bug"):
        fast.respond({**env, "BSEVENTS_DEBUG": "1"})


# Loaded by the child through PYTHONPATH: every way out to the network is noted in a file
# and then refused, so an attempt shows even where the caller would swallow the error.
NO_NETWORK = """
import os, socket

def _refuse(*args, **kwargs):
    with open(os.environ["NETWORK_ATTEMPTS"], "a") as log:
        log.write(repr(args[-1:]) + "\\n")
    raise OSError("no network in this test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def test_completion_never_touches_the_keyring_or_network(data: Path, tmp_path: Path) -> None:
    # A keyring backend that fails on import, and no network at all: a TAB still answers.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_NETWORK)
    attempts = tmp_path / "attempts"
    env = {
        "PYTHON_KEYRING_BACKEND": "no.such.Backend",
        "PYTHONPATH": str(site),
        "NETWORK_ATTEMPTS": str(attempts),
    }
    # The guard is in place in this interpreter: a connection is noted and refused.
    probe = "import socket; socket.create_connection(('127.0.0.1', 9))"
    control = subprocess.run(
        [sys.executable, "-c", probe], env=script_env(**env), capture_output=True, text=True
    )
    assert "OSError: no network in this test" in control.stderr
    assert attempts.read_text() == "(('127.0.0.1', 9),)\n"
    attempts.unlink()
    done = complete("bash", "bsevents events --uuid ", **env)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, [ANA, NULL_EMAIL, BO], "")
    assert not attempts.exists()


@pytest.mark.parametrize(
    ("shell", "installed"),
    [
        ("bash", ".bash_completions/bsevents.sh"),
        ("zsh", ".zfunc/_bsevents"),
        ("fish", ".config/fish/completions/bsevents.fish"),
    ],
)
def test_install_and_show_completion_give_the_committed_scripts(
    isolated: Path, shell: str, installed: str
) -> None:
    committed = (COMPLETIONS / shells.FILE_NAMES[shell].format(prog="bsevents")).read_text()
    env = script_env(_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    show = subprocess.run(
        [str(SCRIPT), "--show-completion", shell], env=env, capture_output=True, text=True
    )
    assert (show.returncode, show.stdout) == (0, committed)
    done = subprocess.run(
        [str(SCRIPT), "--install-completion", shell], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"{shell} completion installed in {isolated / installed}" in done.stdout
    # Typer strips the script's last newline except for fish.
    assert (isolated / installed).read_text().rstrip("\n") == committed.rstrip("\n")


def test_show_completion_detects_the_calling_shell(isolated: Path) -> None:
    done = subprocess.run(
        ["bash", "-c", f"{SCRIPT} --show-completion; true"],
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == (COMPLETIONS / "bsevents.bash").read_text()


def test_nothing_is_written_to_stderr_even_without_a_home(tmp_path: Path) -> None:
    env = {k: v for k, v in script_env().items() if not k.startswith("XDG_")}
    env.pop("HOME")
    env.update(_BSEVENTS_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="bsevents events ")
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "_files\n", "")
    assert os.environ.get("HOME")  # the test's own environment is untouched


@given(st.text(alphabet=st.sampled_from(list("ab -='\"\\\t\n\xa0é")), max_size=30))
def test_words_split_as_click_splits_them(line: str) -> None:
    assert shells.split_words(line) == click_split(line)


@pytest.mark.parametrize(
    ("shell", "env", "expected"),
    [
        (
            "bash",
            {"COMP_WORDS": "bsevents events --view", "COMP_CWORD": "3"},
            (["events", "--view"], ""),
        ),
        (
            "bash",
            {"COMP_WORDS": "bsevents events --view = j", "COMP_CWORD": "4"},
            (["events", "--view"], "j"),
        ),
        (
            "bash",
            {"COMP_WORDS": "bsevents events --view =", "COMP_CWORD": "3"},
            (["events", "--view"], "="),
        ),
        (
            "bash",
            {"COMP_WORDS": "bsevents --a = b events x", "COMP_CWORD": "5"},
            (["--a=b", "events"], "x"),
        ),
        ("bash", {"COMP_WORDS": "bsevents 'a b", "COMP_CWORD": "1"}, ([], "a b")),
        ("bash", {"COMP_WORDS": "bsevents", "COMP_CWORD": "junk"}, ([], "")),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "bsevents events --v"}, (["events"], "--v")),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "bsevents events "}, (["events"], "")),
        ("fish", {"_TYPER_COMPLETE_ARGS": "bsevents"}, ([], "")),
        ("fish", {}, ([], "")),
        (
            "powershell",
            {
                "_TYPER_COMPLETE_ARGS": "bsevents events --v",
                "_TYPER_COMPLETE_WORD_TO_COMPLETE": "--v",
            },
            (["events"], "--v"),
        ),
    ],
)
def test_command_line_is_read_from_each_shells_variables(
    shell: str, env: dict[str, str], expected: tuple[list[str], str]
) -> None:
    assert shells.command_line(shell, env) == expected
