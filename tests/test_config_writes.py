"""The settings and key files under concurrent writers, symbolic links, and folders that
cannot be created: nothing written by one process is lost to another, links stay links,
and a folder that cannot be made is a one-line error naming it."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bsevents.state import filelock
from bsevents.state.config_file import LOCK_NAME, load_config
from bsevents.state.keys import key_file
from bsevents.state.paths import config_dir, config_file
from tests.conftest import CUSTOMER
from tests.script import SCRIPT
from tests.standin import StandIn

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and /proc")


def _key(n: int) -> str:
    return f"key-for-profile-{n:02d}-0123456789"


def test_twenty_concurrent_writers_on_different_profiles_all_survive(tmp_path: Path) -> None:
    # Ten `config set` and ten `config set-key --insecure-storage` at once, each on its own
    # profile: before the lock, 10 concurrent set-key runs kept only 3 keys.
    setters = [
        subprocess.Popen(
            [str(SCRIPT), "config", "set", "--profile", f"s{n}", "hourly-cap", str(n + 1)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(10)
    ]
    key_setters = []
    for n in range(10):
        given = tmp_path / f"key-{n}"
        given.write_text(_key(n), encoding="utf-8")
        argv = [str(SCRIPT), "config", "set-key", "--stdin", "--insecure-storage"]
        with given.open("rb") as stdin:
            key_setters.append(
                subprocess.Popen(
                    [*argv, "--profile", f"k{n}"],
                    stdin=stdin,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
    for process in setters + key_setters:
        stdout, stderr = process.communicate(timeout=60)
        assert (process.returncode, stdout) == (0, b""), stderr
    settings = load_config().data["profiles"]
    assert {name: table.get("hourly-cap") for name, table in settings.items()} == {
        **{f"s{n}": n + 1 for n in range(10)},
        **{f"k{n}": None for n in range(10)},  # set-key creates the profile, empty
    }
    keys = load_config(key_file()).data["profiles"]
    assert keys == {f"k{n}": {"api-key": _key(n)} for n in range(10)}
    assert sorted(p.name for p in config_dir().iterdir()) == [
        LOCK_NAME,
        "config.toml",
        "credentials.toml",
    ]


def test_waiting_for_the_lock_is_bounded(monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    monkeypatch.setattr(filelock, "WAIT_SECONDS", 0.2)
    config_dir().mkdir(parents=True)
    with filelock.locked(config_dir() / LOCK_NAME, config_file()):
        result = cli("config", "set", "region", "eu")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: another bsevents has been changing {config_file()} for 0.2 s; gave up waiting\n"
        "  try again; if this repeats, look for a bsevents process that is stuck "
        "(its lock goes away when it ends)\n"
    )
    assert not config_file().exists()
    # Once the holder is gone, the same change goes through.
    assert cli("config", "set", "region", "eu").exit_code == 0
    assert load_config().data == {"profiles": {"default": {"region": "eu"}}}


def _has_open(pid: int, path: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(path) for fd in fds.iterdir())
    except OSError:  # the process is gone, or closed a descriptor while we looked
        return False


@posix_only
def test_ctrl_c_stops_a_wait_for_the_lock() -> None:
    config_dir().mkdir(parents=True)
    lock = config_dir() / LOCK_NAME
    with filelock.locked(lock, config_file()):
        process = subprocess.Popen(
            [str(SCRIPT), "config", "set", "region", "eu"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        # It opens the lock file just before it starts waiting on it.
        while not _has_open(process.pid, lock) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert (process.returncode, stdout, stderr) == (130, b"", b"\ninterrupted\n")
    assert not config_file().exists()


# --- symbolic links ---------------------------------------------------------------------


def _linked(link: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.parent.chmod(0o755)  # a folder of the user's that bsevents must not chmod
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(target, link.parent))


def test_a_linked_settings_file_stays_a_link(cli: Any, isolated: Path) -> None:
    target = isolated / "dotfiles" / "bsevents.toml"
    target.parent.mkdir()
    target.write_text('# mine\n[profiles.default]\nregion = "us"\n', encoding="utf-8")
    _linked(config_file(), target)
    result = cli("config", "set", "region", "eu")
    assert result.exit_code == 0, result.stderr
    assert config_file().is_symlink()
    assert Path(os.path.realpath(config_file())) == target
    assert target.read_text(encoding="utf-8") == '# mine\n[profiles.default]\nregion = "eu"\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o755
    assert sorted(p.name for p in target.parent.iterdir()) == ["bsevents.toml"]  # no temp file
    assert cli("config", "get", "region").stdout == "eu\n"


def test_a_linked_key_file_stays_a_link_and_delete_empties_its_target(
    cli: Any, isolated: Path
) -> None:
    target = isolated / "secrets" / "bsevents-keys.toml"
    _linked(key_file(), target)  # dangling until the first key is stored
    stored = cli("config", "set-key", "--stdin", "--insecure-storage", input=_key(1))
    assert stored.exit_code == 0, stored.stderr
    assert key_file().is_symlink()
    assert load_config(target).data == {"profiles": {"default": {"api-key": _key(1)}}}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    deleted = cli("config", "delete-key")
    assert deleted.exit_code == 0, deleted.stderr
    # Removing only the link would leave the key behind in its target.
    assert key_file().is_symlink()
    assert target.read_bytes() == b""
    assert "no stored API key" in cli("config", "delete-key").stderr


# --- folders that cannot be created ---------------------------------------------------


def _under_a_file(isolated: Path, monkeypatch: pytest.MonkeyPatch, variable: str) -> Path:
    blocker = isolated / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv(variable, str(blocker / "sub"))
    return blocker / "sub"


HINT = (
    "  bsevents keeps its files where `bsevents config path` says (XDG_CONFIG_HOME, "
    "XDG_STATE_HOME and XDG_CACHE_HOME move them): folders it can create or write to\n"
)


def _cannot_use(path: Path) -> str:
    return f"error: cannot use {path}: part of that path is a file, not a folder\n{HINT}"


@pytest.mark.parametrize(
    "args",
    [("quota",), ("quota", "--json"), ("events", CUSTOMER), ("events", CUSTOMER, "--json")],
)
def test_a_state_folder_under_a_file_is_one_line_for_commands_that_need_it(
    standin: StandIn, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch, args: Any
) -> None:
    folder = _under_a_file(isolated, monkeypatch, "XDG_STATE_HOME")
    result = cli(*args)
    expected = _cannot_use(folder)
    if args[0] == "events":  # the ledger could not count the call, so none was sent
        expected = expected.replace("not a folder\n", "not a folder; no call was made\n")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)
    assert standin.show_events_requests() == []  # refused before any call was made


@pytest.mark.parametrize(
    ("args", "input"),
    [
        (("config", "set", "region", "eu"), None),
        (("config", "set-key", "--stdin", "--insecure-storage"), _key(2)),
        (("config", "use", "default"), None),
    ],
)
def test_a_config_folder_under_a_file_is_one_line_for_commands_that_write(
    cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch, args: Any, input: str | None
) -> None:
    folder = _under_a_file(isolated, monkeypatch, "XDG_CONFIG_HOME")
    result = cli(*args, input=input)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == _cannot_use(folder)


def test_commands_that_need_no_folder_still_work_when_none_can_be_made(
    cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(isolated / "a-file" / variable))
    (isolated / "a-file").write_text("", encoding="utf-8")
    demo = cli("events", "--demo", "--json")
    assert (demo.exit_code, demo.stderr) == (0, "")
    assert demo.stdout.startswith("[\n")
    shown = cli("config", "show", "--json")  # reading: no settings file, no folder needed
    assert shown.exit_code == 0, shown.stderr
    assert cli("config", "get", "region").stdout == "us\n"


def test_a_file_where_the_state_folder_should_be_is_named_and_left_alone(
    cli: Any, isolated: Path
) -> None:
    squatter = isolated / ".local" / "state" / "bsevents"
    squatter.parent.mkdir(parents=True)
    squatter.write_text("mine\n", encoding="utf-8")
    squatter.chmod(0o644)
    result = cli("quota")
    assert (result.exit_code, result.stderr) == (1, _cannot_use(squatter))
    assert stat.S_IMODE(squatter.stat().st_mode) == 0o644  # not chmodded to 0700
    assert squatter.read_text(encoding="utf-8") == "mine\n"
