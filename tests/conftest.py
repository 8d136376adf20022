"""Fixtures: an isolated home for every test, the stand-in server, and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bsevents.views import ui
from tests.standin import StandIn

CUSTOMER = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
API_KEY = "test-key-0123456789abcdef"


@pytest.hookimpl(optionalhook=True)  # xdist's hook: pytest -p no:xdist runs without it
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for `-n auto` (the default, see pyproject.toml): two for the suite, as CI
    has 2 cores and the tests mostly wait on sockets and processes; none when the command
    line names a few files or tests, which then start in a second instead of three."""
    named = [arg for arg in config.args if arg.endswith(".py") or "::" in arg]
    if named and len(named) == len(config.args) and len(named) <= 3:
        return 0
    return 2


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and the XDG directories at a temporary folder, clear our variables and
    keep the user's real keyring out of reach."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("BLUESHIFT_", "BSEVENTS_")) or name in ("NO_COLOR", "PAGER"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core  # keyring keeps the backend it chose: make each test choose afresh

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TZ", "UTC")
    ui.start(ui.Terminal())  # no --quiet or --debug left over from the test before
    return home


@pytest.fixture
def keyring_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Select a backend from tests/memory_keyring.py: keyring_backend("MemoryKeyring")
    returns the instance keyring will use (the way a user picks one: PYTHON_KEYRING_BACKEND)."""
    import keyring

    from bsevents.state import keyring_access
    from tests.memory_keyring import HangingKeyring

    HangingKeyring.release.clear()
    monkeypatch.setenv("BSEVENTS_KEYRING_TIMEOUT", "0.3")

    def select(name: str) -> Any:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"tests.memory_keyring.{name}")
        monkeypatch.setattr(keyring.core, "_keyring_backend", None)
        return keyring.get_keyring()

    yield select
    HangingKeyring.release.set()  # let a stuck keyring thread finish before the next test
    if keyring_access._stuck is not None:
        keyring_access._stuck.join(10)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """A running stand-in server, with the key and base URL in the environment."""
    server = StandIn(API_KEY).start()
    monkeypatch.setenv("BSEVENTS_BASE_URL", server.base_url)
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    try:
        yield server
    finally:
        server.stop()


def make_event(**fields: Any) -> dict[str, Any]:
    """A plausible event; fields override or add."""
    event: dict[str, Any] = {
        "_bsft_doc_type": "events",
        "event": "pageload",
        "event_uuid": "3766f118-d4cd-11eb-a278-0242ac110006",
        "user_uuid": CUSTOMER,
        "session_uuid": None,
        "url": "http://site.com/",
        "timestamp": "2021-06-24T04:53:54Z",
    }
    event.update(fields)
    return event


@pytest.fixture
def cli() -> Any:
    """Run bsevents in-process: cli("events", "--demo") -> Result with stdout/stderr. Its
    clock sleeps no real time (a retry's backoff, a watch's interval pass at once); each
    run gets a new terminal, as each process does."""
    from bsevents.app.context import Clock
    from bsevents.cli.app import app
    from bsevents.cli.runtime import Runtime

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        runtime = Runtime(clock=Clock(sleep=lambda seconds: None))
        return runner.invoke(app, list(args), input=input, catch_exceptions=False, obj=runtime)

    return invoke
