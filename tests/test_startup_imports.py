"""What a run imports, read from `sys.modules` of a fresh process (never timed): help and
version load no command they do not show and nothing heavy; a key in the environment
loads no keyring; looking for a keyring loads no other system's backend."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from bsevents import __version__
from bsevents.state import keyring_backend
from tests.conftest import CUSTOMER, make_event
from tests.script import run_and_list_imports
from tests.standin import StandIn

HEAVY = ("httpx", "keyring", "redis", "jsonschema_rs", "rich")
# keyring's backends for one system only: importing them elsewhere is wasted time.
OTHER_SYSTEMS = tuple(
    module for module, system in keyring_backend.SYSTEM_ONLY.items() if system != sys.platform
)


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def commands(modules: set[str]) -> list[str]:
    """The command modules (cli/commands/*.py) that were imported."""
    prefix = "bsevents.cli.commands."
    return sorted(m.removeprefix(prefix) for m in modules if m.startswith(prefix))


def other_systems(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(OTHER_SYSTEMS))


def without_a_keyring(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test's environment with keyring left to choose for itself (no
    PYTHON_KEYRING_BACKEND), and a session bus that is not there: no Secret Service."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("args", "shown", "loaded"),
    [
        (["--help"], "Usage: bsevents [OPTIONS] COMMAND [ARGS]...\n", []),
        (["events", "--help"], "Usage: bsevents events [OPTIONS] [CUSTOMER]\n", ["events"]),
        (["config", "--help"], "Usage: bsevents config [OPTIONS] COMMAND [ARGS]...\n", ["config"]),
        # --version alone is answered before the app loads; after --debug, by the app.
        (["--debug", "--version"], f"bsevents {__version__}\n", []),
        (["events", "--demo", "--json"], "[\n", ["events"]),
    ],
    ids=["help", "events-help", "config-help", "debug-version", "events-demo"],
)
def test_a_run_imports_only_its_own_command_and_nothing_heavy(
    tmp_path: Path, args: list[str], shown: str, loaded: list[str]
) -> None:
    done, modules = run_and_list_imports(args, dict(os.environ), tmp_path / "modules")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(shown)
    assert "bsevents.cli.app" in modules  # the probe saw the app run
    assert (commands(modules), heavy(modules)) == (loaded, [])


def test_root_help_lists_each_command_with_the_summary_of_its_own_help(cli: Any) -> None:
    from bsevents.cli.app import COMMANDS, app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="bsevents")
    assert root.list_commands(ctx) == list(COMMANDS)  # type: ignore[attr-defined]
    lines = cli("--help").stdout.split("Commands:\n")[1].split("\n\n")[0].splitlines()
    rows: dict[str, str] = {}  # a long summary wraps onto lines of its own, indented more
    for line in lines:
        name = line.split()[0]
        if line.startswith("  ") and not line.startswith("   ") and name in COMMANDS:
            rows[name] = line.strip().removeprefix(name).strip()
        else:
            rows[list(rows)[-1]] += " " + line.strip()
    assert list(rows) == list(COMMANDS)
    for name, entry in COMMANDS.items():
        command = root.get_command(ctx, name)  # type: ignore[attr-defined]
        assert command.get_short_help_str(200) == entry.summary, name
        assert rows[name] == entry.summary  # in full, never cut


def test_a_key_in_the_environment_loads_no_keyring(standin: StandIn, tmp_path: Path) -> None:
    standin.customers[CUSTOMER] = [make_event(event="identify")]
    env = without_a_keyring(tmp_path)  # the standin fixture put the key in the environment
    fetched, modules = run_and_list_imports(["events", CUSTOMER], env, tmp_path / "modules")
    assert (fetched.returncode, fetched.stderr) == (0, "")
    assert [event["event"] for event in json.loads(fetched.stdout)] == ["identify"]
    assert sorted(m for m in modules if m.startswith(("keyring", "secretstorage"))) == []
    budget, modules = run_and_list_imports(["quota"], env, tmp_path / "modules")
    assert (budget.returncode, budget.stderr) == (0, "")
    assert sorted(m for m in modules if m.startswith(("keyring", "secretstorage"))) == []


@pytest.mark.skipif(
    sys.platform != "linux",
    reason="keyring searches freely here: elsewhere it would find the user's own keychain",
)
def test_looking_for_a_keyring_loads_no_other_systems_backend(tmp_path: Path) -> None:
    done, modules = run_and_list_imports(["quota"], without_a_keyring(tmp_path), tmp_path / "m")
    assert (done.returncode, done.stderr) == (0, "")
    assert "no key at hand" in done.stdout
    assert "keyring.core" in modules  # it did look for one
    assert other_systems(modules) == []
    # Finding none is not remembered: a keyring installed later is found.
    assert not keyring_backend.choice_file().exists()


def test_quota_names_a_stored_keys_account_without_opening_the_keyring(
    keyring_backend: Any, cli: Any, tmp_path: Path
) -> None:
    # The key's print (never the key) is remembered when it is stored or found, so quota
    # need not ask the keyring, the slowest thing it could do.
    keyring_backend("MemoryKeyring")
    stored = cli("config", "set-key", "--stdin", input="stored-key-0123456789ABCD")
    assert stored.exit_code == 0, stored.stderr
    from bsevents.state.ledger.budget import key_print

    env = {k: v for k, v in os.environ.items() if k != "BLUESHIFT_API_KEY"}
    done, modules = run_and_list_imports(["quota", "--json"], env, tmp_path / "modules")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["account"]["key_fingerprint"] == key_print(
        "stored-key-0123456789ABCD"
    )
    assert sorted(m for m in modules if m.startswith(("keyring", "secretstorage"))) == []
    human, _ = run_and_list_imports(["quota"], env, tmp_path / "modules")
    printed = key_print("stored-key-0123456789ABCD")
    # Not looked up now: the line says whose key it is, so a changed key is not missed.
    assert human.stdout.splitlines()[0] == (
        f"account: profile default · region us · key {printed} (as last used by bsevents "
        "with this profile)"
    )
    deleted = cli("config", "delete-key")
    assert deleted.exit_code == 0, deleted.stderr
    done, _ = run_and_list_imports(["quota", "--json"], env, tmp_path / "modules")
    assert json.loads(done.stdout)["account"]["key_fingerprint"] is None
