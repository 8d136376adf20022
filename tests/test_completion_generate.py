"""The generator: committed files are up to date, and it reads any app faithfully."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from bsevents.cli import completion_spec as generate
from bsevents.completion import model, shells, spec
from tests.completion_support import COMPLETIONS, make_app

RUFF = Path(sys.executable).with_name("ruff")


def test_committed_spec_and_scripts_are_what_the_generator_writes() -> None:
    stale = generate.stale(generate.outputs())
    assert stale == [], (
        f"stale generated files {[str(p) for p in stale]}: "
        "run `python -m bsevents.cli.completion_spec` and commit the result"
    )


def test_the_committed_scripts_are_the_three_shells() -> None:
    assert sorted(p.name for p in COMPLETIONS.iterdir()) == [
        "_bsevents",
        "bsevents.bash",
        "bsevents.fish",
    ]


def structure(command: model.Command) -> dict[str, Any]:
    """Everything in a spec command, recursively, as plain data."""
    return {
        "name": command.name,
        "help": command.help,
        "hidden": command.hidden,
        "is_group": command.is_group,
        "options": [{k: getattr(o, k) for k in model.Option.__slots__} for o in command.options],
        "arguments": [
            {k: getattr(a, k) for k in model.Argument.__slots__} for a in command.arguments
        ],
        "commands": [structure(c) for c in command.commands],
    }


def test_spec_lists_every_command_option_and_choice_of_the_app() -> None:
    from bsevents.cli.app import app
    from bsevents.cli.framework import choices, is_group
    from tests.completion_support import walk

    cli = typer.main.get_command(app)
    root_ctx = typer.Context(cli, info_name="bsevents", **cli.context_settings)
    for path, command, ctx in walk(cli, root_ctx):
        node = spec.ROOT
        for name in path:
            node = next(c for c in node.commands if c.name == name)
        listed = command.list_commands(ctx) if is_group(command) else []
        assert [c.name for c in node.commands] == listed
        params = command.get_params(ctx)
        live = {n: p for p in params if p.param_type_name == "option" for n in p.opts}
        ours = {n: o for o in node.options for n in o.names}
        assert set(ours) == set(live), path
        for name, param in live.items():
            assert ours[name].takes_value == (not (param.is_flag or param.count)), name
            listed = choices(param)
            if listed is not None:
                assert ours[name].choices == listed[0], name
        arguments = [p.name for p in params if p.param_type_name == "argument"]
        assert [a.name for a in node.arguments] == arguments


def test_rendered_spec_reads_back_as_the_same_spec_for_a_larger_app() -> None:
    root = generate.build(typer.main.get_command(make_app()))
    settings = {"region": ("Blueshift region", ("us", "eu")), "cache-ttl": ("seconds", ())}
    namespace: dict[str, Any] = {}
    exec(generate.render_spec(root, settings), namespace)  # noqa: S102 - our own output
    assert structure(namespace["ROOT"]) == structure(root)
    assert namespace["SETTINGS"] == settings
    assert namespace["COMPLETE_VAR"] == "_BSEVENTS_COMPLETE"


def test_rendered_spec_is_stable_under_ruff_format_and_clean_for_ruff_check(
    tmp_path: Path,
) -> None:
    root = generate.build(typer.main.get_command(make_app()))
    long_help = "a setting whose help is long enough to need its own lines in the file " * 2
    settings = {"region": ('Blueshift "region"', ("us", "eu")), "long": (long_help, ("a",))}
    target = tmp_path / "spec.py"
    target.write_text(generate.render_spec(root, settings))
    for command in (["format", "--check"], ["check"]):
        done = subprocess.run(
            [
                str(RUFF),
                *command,
                "--config",
                str(generate.PROJECT_DIR / "pyproject.toml"),
                str(target),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_values_complete_from_choices_local_data_or_metavars_by_the_rules() -> None:
    root = generate.build(typer.main.get_command(make_app()))
    assert sorted(generate.describe(root)) == sorted(
        [
            "bsevents --profile: profiles ",
            "bsevents --color: choice auto always never",
            "bsevents events --uuid: customers ",
            "bsevents events --view: choice table timeline json",
            "bsevents events --type: event-names ",
            "bsevents events --region: choice us eu",
            "bsevents events --mode: choice fast slow",
            "bsevents events CUSTOMER: customers ",
            "bsevents config set --profile: profiles ",
            "bsevents config set NAME: settings ",
            "bsevents config set VALUE: setting-value ",
            "bsevents config get NAME: settings ",
            "bsevents config use NAME: profiles ",
            "bsevents config set-key --profile: profiles ",
        ]
    )


def test_spec_keeps_hidden_things_counts_pairs_and_case_insensitive_choices() -> None:
    root = generate.build(typer.main.get_command(make_app()))
    by_name = {c.name: c for c in root.commands}
    assert by_name["internal"].hidden
    assert by_name["config"].is_group
    assert [c.name for c in by_name["config"].commands] == [
        "set",
        "get",
        "use",
        "set-key",
        "show",
        "advanced",
    ]
    options = {o.names[0]: o for o in by_name["events"].options}
    assert options["--secret"].hidden
    assert options["--pair"].nargs == 2
    assert options["--type"].multiple
    assert by_name["tail"].arguments[0].nargs == -1
    root_options = {o.names[0]: o for o in root.options}
    assert not root_options["--verbose"].takes_value  # a count
    assert root_options["--quiet"].secondary == ("--no-quiet",)
    assert not root_options["--color"].case_sensitive


def test_check_mode_names_stale_files_and_the_command_then_writing_fixes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setattr(generate, "PROJECT_DIR", tmp_path)
    monkeypatch.setattr(generate, "SPEC_FILE", tmp_path / "bsevents" / "completion" / "spec.py")
    assert generate.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "stale: bsevents/completion/spec.py" in err
    assert "stale: completions/bsevents.fish" in err
    assert err.endswith("run: python -m bsevents.cli.completion_spec\n")
    assert generate.main([]) == 0
    assert "wrote completions/_bsevents" in capsys.readouterr().out
    assert generate.main(["--check"]) == 0
    written = (tmp_path / "completions" / "bsevents.bash").read_text()
    assert written == shells.render("bash", "bsevents")
    assert (tmp_path / "bsevents" / "completion" / "spec.py").read_text() == Path(
        spec.__file__
    ).read_text()


def test_generator_refuses_to_write_outside_a_source_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generate, "PROJECT_DIR", tmp_path)
    assert generate.main([]) == 2
    assert "not a bsevents source checkout" in capsys.readouterr().err
