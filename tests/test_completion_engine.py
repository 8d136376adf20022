"""The fast path's engine against Typer's own completion, and its additions.

The engine must offer exactly what Typer's completion (click's rules) offers for the same
command line, wherever Typer knows the answer: so the committed spec, read by the engine,
is compared with the live app over command lines derived from the app itself (every
command, option name, option value, argument). Where Typer knows nothing (customers,
profiles, settings, event names, `a|b` metavars) the engine's own answers are checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from bsevents.cli import completion_spec as generate
from bsevents.cli.framework import (
    ClickException,
    choices,
    is_option,
    takes_path,
    typer_completions,
)
from bsevents.completion import engine, model, spec
from bsevents.completion.model import Command
from tests.completion_support import (
    ANA,
    BO,
    EVENT_NAMES,
    NULL_EMAIL,
    EmptySources,
    FixedSources,
    make_app,
    walk,
)

Item = tuple[str, str | None]
SETTINGS = {"region": ("Blueshift region", ("us", "eu")), "hourly-cap": ("calls per hour", ())}
# Options whose callbacks act even while completing (bsevents --version prints and exits).
EAGER = {"--version", "-V"}


def command_lines(cli: Any) -> Iterator[tuple[list[str], str]]:
    """(args, incomplete) pairs covering every command, option and value of `cli`."""
    root_ctx = typer.Context(cli, info_name="bsevents", **cli.context_settings)
    for path_tuple, command, ctx in walk(cli, root_ctx):
        path = list(path_tuple)
        for incomplete in ("", "-", "--", "x"):
            yield path, incomplete
        for name in getattr(command, "commands", {}):
            yield path, name[:1]
            yield path, name
        params = command.get_params(ctx)
        arguments = [p for p in params if not is_option(p)]
        for count in range(len(arguments) + 2):
            yield [*path, *["word"] * count], ""
            yield [*path, *["word"] * count], "-"
        yield [*path, "--"], ""
        yield [*path, "--"], "-"
        for param in params:
            if not is_option(param):
                continue
            for name in (*param.opts, *param.secondary_opts):
                if name in EAGER:
                    continue
                yield path, name[:3]
                yield path, name
                if param.is_flag or param.count:
                    yield [*path, name], "-"
                    yield [*path, name], "--"
                    continue
                yield [*path, name], ""
                yield [*path, *[name, "a"] * param.nargs][:-1], ""
                yield [*path, name, *["value"] * param.nargs], "-"
                yield [*path, name, *["value"] * param.nargs], "--"
                for choice in (choices(param) or ((), True))[0]:
                    yield [*path, name], choice[:1]
                    yield [*path, name], choice.upper()[:2]


def enriched(cli: Any) -> set[int]:
    """ids of the click parameters whose values the engine completes where Typer cannot:
    from local data or a metavar listing values, and paths (Typer echoes the typed text)."""
    out = set()
    root_ctx = typer.Context(cli, info_name="bsevents", **cli.context_settings)
    for path, command, ctx in walk(cli, root_ctx):
        position = 0
        for param in command.get_params(ctx):
            option = is_option(param)
            kind, _, _ = generate.value_completion(path, param, None if option else position)
            position += 0 if option else 1
            path_like = takes_path(param)
            if path_like or (kind and choices(param) is None):
                out.add(id(param))
    return out


def in_declared_order(items: list[Item], cli: Any) -> list[Item]:
    """click lists the help option's names in set order, which changes from one process
    to the next; put them in the order the app declares, as the spec has them."""
    declared = list(cli.context_settings.get("help_option_names", ["--help"]))
    slots = [n for n, (value, _) in enumerate(items) if value in declared]
    ordered = sorted((items[n] for n in slots), key=lambda item: declared.index(item[0]))
    items = list(items)
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item
    return items


def compare(cli: Any, root: Command) -> tuple[int, list[str]]:
    """Compare Typer's and the engine's answers; (lines compared, differences)."""
    skip = enriched(cli)
    compared, differences = 0, []
    for args, incomplete in command_lines(cli):
        try:
            target, completions = typer_completions(cli, args, incomplete)
        except (SystemExit, typer.Exit, ClickException):
            continue  # an option's callback acted while Typer parsed: no answer to compare
        if id(target) in skip:
            continue
        theirs = [(i.value, i.help) for i in completions]
        theirs = in_declared_order(theirs, cli)
        ours = engine.complete(root, args, incomplete, EmptySources(), {})
        compared += 1
        if ours != theirs:
            differences.append(f"{' '.join(args)} [{incomplete}]: typer {theirs}, ours {ours}")
    return compared, differences


def test_committed_spec_completes_exactly_as_typer_does_for_the_app() -> None:
    from bsevents.cli.app import app

    compared, differences = compare(typer.main.get_command(app), spec.ROOT)
    assert differences == [], (
        "the fast path and Typer disagree. If you changed the CLI, run "
        "`python -m bsevents.cli.completion_spec`; if that is not enough, the parameter "
        "needs a rule in bsevents/cli/completion_spec.py (e.g. an `autocompletion=` "
        "callback Typer knows and the spec does not):\n" + "\n".join(differences)
    )
    assert compared > 60


def test_engine_completes_exactly_as_typer_does_for_groups_counts_pairs_and_hidden() -> None:
    cli = typer.main.get_command(make_app())
    compared, differences = compare(cli, generate.build(cli))
    assert differences == []
    assert compared > 250


@pytest.fixture(scope="module")
def fake() -> Command:
    return generate.build(typer.main.get_command(make_app()))


def offer(root: Command, line: str, sources: Any = None) -> list[tuple[str, str | None]]:
    """The engine's answer for `line`, where the last word (maybe empty) is being typed."""
    *args, incomplete = line.split(" ")
    return engine.complete(root, args, incomplete, sources or FixedSources(), SETTINGS)


def values(root: Command, line: str) -> list[str]:
    return [value for value, _ in offer(root, line)]


def test_customers_complete_the_argument_and_uuid_option_newest_first(fake: Command) -> None:
    assert offer(fake, "events ") == FixedSources().customers()
    assert values(fake, "events --uuid ") == [ANA, NULL_EMAIL, BO]
    assert values(fake, "events -u 5") == [ANA, BO]
    assert values(fake, "events 5F3C") == [BO]  # a UUID in any case
    assert values(fake, "events --uuid=5f") == [f"--uuid={BO}"]
    assert values(fake, f"events {ANA} ") == []  # the one argument is given


def test_profiles_complete_the_option_everywhere_and_config_use(fake: Command) -> None:
    profiles = FixedSources().profiles()
    assert offer(fake, "--profile ") == profiles
    assert offer(fake, "-p s") == [profiles[1]]
    assert offer(fake, "config set region eu --profile ") == profiles
    assert offer(fake, "config set-key --profile ") == profiles
    assert offer(fake, "config use ") == profiles


def test_setting_names_then_the_named_settings_choices(fake: Command) -> None:
    assert offer(fake, "config set ") == [
        ("region", "Blueshift region"),
        ("hourly-cap", "calls per hour"),
    ]
    assert values(fake, "config get h") == ["hourly-cap"]
    assert values(fake, "config set region ") == ["us", "eu"]
    assert values(fake, "config set REGION e") == ["eu"]
    assert values(fake, "config set hourly-cap ") == []
    assert values(fake, "config set nonsense ") == []
    # `set-key KEY` is the API key, not a setting name.
    assert values(fake, "config set-key ") == []


def test_event_names_complete_type_any_number_of_times(fake: Command) -> None:
    assert values(fake, "events --type ") == EVENT_NAMES
    assert values(fake, "events --type p") == ["pageload", "purchase"]
    assert values(fake, "events --type pageload -t ") == EVENT_NAMES
    # --type may be repeated, --view may not.
    assert "--type" in values(fake, "events --type x --view json --")
    assert "--view" not in values(fake, "events --type x --view json --")


def test_a_metavar_listing_values_offers_them(fake: Command) -> None:
    assert values(fake, "events --region ") == ["us", "eu"]


def test_no_local_data_offers_nothing_but_choices_still_complete(fake: Command) -> None:
    assert offer(fake, "events ", EmptySources()) == []
    assert offer(fake, "--profile ", EmptySources()) == []
    assert values(fake, "events --view t") == ["table", "timeline"]


def test_equals_form_offers_whole_words_and_bash_split_words_work(fake: Command) -> None:
    assert values(fake, "events --view=t") == ["--view=table", "--view=timeline"]
    assert values(fake, "events --view=") == ["--view=table", "--view=timeline", "--view=json"]
    # bash hands `--view=t` over as `--view`, `=`, `t` (shells.command_line glues it back
    # to `--view`, `t`); a lone "=" being typed means the value is still empty.
    assert values(fake, "events --view =") == ["table", "timeline", "json"]


def test_unknown_options_do_not_stop_the_parse(fake: Command) -> None:
    # click gives up at an unknown option; the engine reads on.
    assert values(fake, "events --no-such-option --view ") == ["table", "timeline", "json"]
    assert values(fake, "--bogus config s") == ["set", "set-key", "show"]


def test_options_run_together_and_attached_values(fake: Command) -> None:
    assert values(fake, "-vp ") == ["default", "staging"]  # click: the subcommands
    assert values(fake, "-vvp staging ") == ["events", "tail", "config"]
    assert values(fake, "-vv -p ") == ["default", "staging"]
    assert values(fake, "events -u") == ["-u"]
    assert values(fake, "events -ufoo --u") == []  # --uuid was given, attached


def test_after_double_dash_a_dash_word_is_an_argument(fake: Command) -> None:
    assert values(fake, "tail -- -") == []
    assert values(fake, "events -- -") == []
    assert "--view" in values(fake, "events -")


def test_kinds_used_by_the_spec_are_known() -> None:
    def kinds(command: Command) -> Iterator[str]:
        for param in (*command.options, *command.arguments):
            yield param.complete
        for sub in command.commands:
            yield from kinds(sub)

    assert set(kinds(spec.ROOT)) <= set(model.KINDS)
