"""The key stays secret and every file bsevents creates is private."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest

from bsevents.cli.app import run
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.standin import StandIn

B64 = base64.b64encode(f"{API_KEY}:".encode()).decode()


def test_debug_shows_the_request_with_the_key_masked(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    result = cli("events", CUSTOMER, "--debug")
    assert result.exit_code == 0
    assert f"debug: GET {standin.base_url}/api/v1/customer_search/show_events?uuid={CUSTOMER}" in (
        result.stderr
    )
    assert "debug: Authorization: Basic ***" in result.stderr
    assert API_KEY not in result.stdout + result.stderr
    assert B64 not in result.stdout + result.stderr


def test_internal_error_is_one_line_without_the_key(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bsevents.app import fetch as source

    def broken(*args: Any, **kwargs: Any) -> Any:
        secret = API_KEY  # a local that a pretty traceback with locals would show
        raise ValueError(f"bug near {secret[:0]}")

    monkeypatch.setattr(source, "fetch", broken)
    with pytest.raises(SystemExit) as exited:
        run(["events", CUSTOMER])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: internal error (ValueError at test_secrets.py:")
    assert "Traceback" not in err
    assert API_KEY not in err
    monkeypatch.setenv("BSEVENTS_DEBUG", "1")
    with pytest.raises(ValueError, match="bug near"):
        run(["events", CUSTOMER])
    assert API_KEY not in capsys.readouterr().err


def test_every_file_and_directory_is_private(standin: StandIn, cli: Any, isolated: Path) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    standin.people["maya@example.com"] = [{"uuid": CUSTOMER}]
    assert cli("events", "--email", "maya@example.com").exit_code == 0
    assert cli("events", CUSTOMER, "--refresh").exit_code == 0
    assert cli("quota").exit_code == 0
    assert cli("config", "set", "cache-ttl", "60").exit_code == 0
    assert cli("config", "set-key", "--stdin", "--insecure-storage", input=API_KEY).exit_code == 0
    ours = [p for p in isolated.rglob("*") if "bsevents" in p.relative_to(isolated).parts]
    assert any(p.name == "ledger.sqlite3" for p in ours)
    assert any(p.name == "index.json" for p in ours)
    assert any(p.name == "config.toml" for p in ours)
    key_file = next(p for p in ours if p.name == "credentials.toml")
    for path in ours:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
    for path in isolated.rglob("*"):
        if path.is_file() and path != key_file:  # the one file asked to hold the key
            data = path.read_bytes()
            assert API_KEY.encode() not in data, path
            assert B64.encode() not in data, path


def test_completion_scripts_and_start_up_lines_are_ordinary_shell_files(isolated: Path) -> None:
    """What --install-completion writes holds nothing secret: the shell's usual modes,
    from the umask, not the private ones of bsevents' own files."""
    import os
    import subprocess

    from tests.script import SCRIPT

    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run(
            ["sh", "-c", f'umask 022 && exec "{SCRIPT}" --install-completion {shell}'],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=os.environ,
        )
        assert done.returncode == 0, done.stderr
    written = {
        ".bash_completions": 0o755,
        ".bash_completions/bsevents.sh": 0o644,
        ".bashrc": 0o644,
        ".zfunc": 0o755,
        ".zfunc/_bsevents": 0o644,
        ".zshrc": 0o644,
        ".config/fish/completions": 0o755,
        ".config/fish/completions/bsevents.fish": 0o644,
    }
    modes = {name: stat.S_IMODE((isolated / name).stat().st_mode) for name in written}
    assert modes == written
