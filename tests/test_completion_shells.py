"""The committed scripts in real shells: bash drives the completion function, fish answers
`complete -C`, zsh completes in an interactive shell run in a zpty. Typer's own scripts
(what `--install-completion` wrote before) must keep working against the fast path too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bsevents.completion import shells
from tests.completion_support import (
    ANA,
    BO,
    COMPLETIONS,
    NULL_EMAIL,
    SHELL_DRIVERS,
    install_local_data,
    option,
    script_env,
    spec_command,
    subcommands,
)

VIEWS = list(option(("events",), "--view").choices)  # grows as views are added

BASH_SCRIPT = COMPLETIONS / "bsevents.bash"
ZSH_SCRIPT = COMPLETIONS / "_bsevents"
FISH_SCRIPT = COMPLETIONS / "bsevents.fish"


def need(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed (Debian: apt-get install {shell}; .ci/run does)")
    return path


def typer_script(shell: str, tmp_path: Path) -> Path:
    """The script Typer itself would have installed (before bsevents had its own)."""
    from bsevents.cli.framework import typer_completion_scripts

    templates = typer_completion_scripts()
    path = tmp_path / f"typer-{shell}" / ("_bsevents" if shell == "zsh" else f"bsevents.{shell}")
    path.parent.mkdir()
    path.write_text((templates[shell] % shells.script_vars("bsevents")).strip() + "\n")
    return path


@pytest.fixture
def data(isolated: Path) -> Path:
    install_local_data(isolated)
    return isolated


def fake_bsevents(directory: Path, answer: str) -> None:
    """A stand-in `bsevents` in `directory`/bin that answers every request with `answer`:
    awkward text checks the shell's side alone."""
    (directory / "bin").mkdir()
    fake = directory / "bin" / "bsevents"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{answer}EOF\n")
    fake.chmod(0o755)


# --- bash ------------------------------------------------------------------------------


def bash_complete(script: Path, *words: str) -> list[str]:
    """COMPREPLY after the script's function runs for `words` (the last one being typed)."""
    program = f"""
        source {script}
        COMP_WORDS=("$@")
        COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
        COMPREPLY=()
        _bsevents_completion bsevents "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    done = subprocess.run(
        [need("bash"), "--norc", "--noprofile", "-c", program, "bash", *words],
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line for line in done.stdout.split("\n") if line]


def test_bash_completes_commands_options_and_choices(data: Path) -> None:
    assert bash_complete(BASH_SCRIPT, "bsevents", "") == [name for name, _ in subcommands()]
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "--vie") == ["--view"]
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "--view", "") == VIEWS
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "--region", "e") == ["eu"]
    root_options = [
        name for o in spec_command().options if not o.hidden for name in (*o.names, *o.secondary)
    ]
    assert "--version" in root_options
    assert bash_complete(BASH_SCRIPT, "bsevents", "-") == root_options


def test_bash_completes_customers_newest_first(data: Path) -> None:
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "") == [ANA, NULL_EMAIL, BO]
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "-u", "5") == [ANA, BO]


def test_bash_completes_after_an_equals_sign_as_bash_splits_it(data: Path) -> None:
    # With = in COMP_WORDBREAKS (the default), `--view=j` reaches the function as three
    # words, and `--view=` as two with "=" being completed; bash replaces only the last.
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "--region", "=", "e") == ["eu"]
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "--region", "=") == ["us", "eu"]


def test_bash_registration_keeps_our_order_and_falls_back_to_file_names() -> None:
    done = subprocess.run(
        [
            need("bash"),
            "--norc",
            "--noprofile",
            "-c",
            f"source {BASH_SCRIPT}; complete -p bsevents",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "complete -o default -o nosort -F _bsevents_completion bsevents\n"


def test_bash_with_typers_own_script_gets_the_same_answers(data: Path, tmp_path: Path) -> None:
    script = typer_script("bash", tmp_path)
    assert bash_complete(script, "bsevents", "events", "") == [ANA, NULL_EMAIL, BO]
    assert bash_complete(script, "bsevents", "events", "--view", "") == VIEWS


def test_bash_offers_nothing_when_there_is_nothing_to_offer(isolated: Path) -> None:
    # COMPREPLY stays empty (no empty candidate); -o default then lists file names.
    assert bash_complete(BASH_SCRIPT, "bsevents", "events", "") == []


# --- fish ------------------------------------------------------------------------------


def fish_complete(setup: str, line: str, cwd: Path | None = None) -> list[str]:
    """What `complete -C` offers for `line`, as "value<TAB>description" lines."""
    done = subprocess.run(
        [need("fish"), "--no-config", "-c", f"{setup}; complete -C {line!r}"],
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.splitlines()


SOURCE_FISH = f"source {FISH_SCRIPT}"


def test_fish_completes_customers_newest_first_with_email_and_event_count(data: Path) -> None:
    assert fish_complete(SOURCE_FISH, "bsevents events ") == [
        f"{ANA}\tana@example.com · 35 events · fetched 2026-03-02",
        f"{NULL_EMAIL}\t1 event · fetched 2026-03-01",
        f"{BO}\tbo@example.org · 0 events · fetched 2026-02-20",
    ]


def test_fish_completes_commands_options_and_values(data: Path) -> None:
    assert fish_complete(SOURCE_FISH, "bsevents ") == [f"{n}\t{h}" for n, h in subcommands()]
    view_help = option(("events",), "--view").help
    assert fish_complete(SOURCE_FISH, "bsevents events --vie") == [f"--view\t{view_help}"]
    assert fish_complete(SOURCE_FISH, "bsevents events --view ") == VIEWS
    assert fish_complete(SOURCE_FISH, "bsevents events --view=j") == ["--view=json"]


def test_fish_loads_the_script_from_its_completions_directory(data: Path, tmp_path: Path) -> None:
    directory = tmp_path / "completions"
    directory.mkdir()
    shutil.copy(FISH_SCRIPT, directory / "bsevents.fish")
    setup = f"set -p fish_complete_path {directory}"
    assert fish_complete(setup, "bsevents events --region ") == ["us", "eu"]


def test_fish_falls_back_to_file_names_when_nothing_else_fits(
    isolated: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    (work / "logs").mkdir(parents=True)
    (work / "notes.txt").write_text("")
    found = fish_complete(SOURCE_FISH, "bsevents events ", cwd=work)
    assert sorted(line.split("\t")[0] for line in found) == ["logs/", "notes.txt"]


def test_fish_takes_values_and_descriptions_literally(tmp_path: Path) -> None:
    items = [("it's", 'say "hi": $HOME `(id)` \\ twice'), ("a:b", None)]
    fake_bsevents(tmp_path, shells.answer("fish", items)[0])
    setup = f"set -p PATH {tmp_path / 'bin'}; {SOURCE_FISH}"
    assert fish_complete(setup, "bsevents ") == [
        'it\'s\tsay "hi": $HOME `(id)` \\ twice',
        "a:b",
    ]


def test_fish_with_typers_own_script_gets_the_same_answers(data: Path, tmp_path: Path) -> None:
    setup = f"source {typer_script('fish', tmp_path)}"
    assert sorted(fish_complete(setup, "bsevents events --view ")) == sorted(VIEWS)
    assert len(fish_complete(setup, "bsevents events ")) == 3


# --- zsh -------------------------------------------------------------------------------


def test_zsh_script_parses() -> None:
    done = subprocess.run([need("zsh"), "-n", str(ZSH_SCRIPT)], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


def zsh_complete(
    mode: str, script: Path, line: str, path: Path | None = None
) -> list[tuple[str, str, str]]:
    """(value, listing, order) for each candidate an interactive zsh offers for `line`;
    `path` goes first on PATH."""
    zsh = need("zsh")
    env = script_env(TERM="xterm")
    if path is not None:
        env["PATH"] = f"{path}:{env['PATH']}"
    done = subprocess.run(
        [zsh, "-f", str(SHELL_DRIVERS / "drive.zsh"), mode, str(script), line],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode == 3:
        pytest.skip("zsh lacks the zsh/zpty module")
    assert done.returncode == 0, done.stderr
    rows = [tuple(row.split("\t")) for row in done.stdout.splitlines()]
    assert all(len(row) == 3 for row in rows), rows
    return rows  # type: ignore[return-value]


@pytest.mark.parametrize("mode", ["fpath", "source"])
def test_zsh_completes_customers_newest_first_with_descriptions(data: Path, mode: str) -> None:
    rows = zsh_complete(mode, ZSH_SCRIPT, "bsevents events ")
    assert [value for value, _, _ in rows] == [ANA, NULL_EMAIL, BO]
    assert [" ".join(shown.split()) for _, shown, _ in rows] == [
        f"{ANA} -- ana@example.com · 35 events · fetched 2026-03-02",
        f"{NULL_EMAIL} -- 1 event · fetched 2026-03-01",
        f"{BO} -- bo@example.org · 0 events · fetched 2026-02-20",
    ]
    assert {order for _, _, order in rows} == {"kept"}


def test_zsh_completes_commands_options_and_values(data: Path) -> None:
    def offered(line: str) -> list[str]:
        return [value for value, _, _ in zsh_complete("fpath", ZSH_SCRIPT, line)]

    assert offered("bsevents ") == [name for name, _ in subcommands()]
    assert offered("bsevents events --vie") == ["--view"]
    assert offered("bsevents events --view ") == VIEWS
    assert offered("bsevents events --region=") == ["--region=us", "--region=eu"]
    assert offered("bsevents events -u 5") == [ANA, BO]


def test_zsh_shows_values_and_descriptions_with_quotes_colons_and_dollars_intact(
    tmp_path: Path,
) -> None:
    items = [("it's", 'say "hi": $HOME `id` \\ twice'), ("a:b", None)]
    fake_bsevents(tmp_path, shells.answer("zsh", items)[0])
    rows = zsh_complete("source", ZSH_SCRIPT, "bsevents ", path=tmp_path / "bin")
    assert [(value, " ".join(shown.split())) for value, shown, _ in rows] == [
        ("it\\'s", 'it\'s -- say "hi": $HOME `id` \\ twice'),  # inserted quoted
        ("a:b", "a:b"),
    ]


def test_zsh_with_typers_own_script_gets_the_same_candidates(data: Path, tmp_path: Path) -> None:
    script = typer_script("zsh", tmp_path)
    rows = zsh_complete("source", script, "bsevents events ")
    assert sorted(value for value, _, _ in rows) == sorted([ANA, NULL_EMAIL, BO])


def test_fish_completes_emails_looked_up_before_with_their_customer(data: Path) -> None:
    assert fish_complete(SOURCE_FISH, "bsevents events --email ") == [
        f"ana@example.com\t{ANA}",
        f"bo@example.org\t{BO}",
    ]
    assert fish_complete(SOURCE_FISH, "bsevents events --email b") == [f"bo@example.org\t{BO}"]
