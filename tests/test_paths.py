"""Private, atomic files."""

from __future__ import annotations

import stat
from pathlib import Path

from bsevents.state.paths import cache_dir, config_file, state_dir, write_private_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_dirs_follow_xdg_inside_the_isolated_home(isolated: Path) -> None:
    assert config_file() == isolated / ".config" / "bsevents" / "config.toml"
    assert state_dir() == isolated / ".local" / "state" / "bsevents"
    assert cache_dir() == isolated / ".cache" / "bsevents"


def test_write_private_atomic_makes_0600_in_0700_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.json"
    write_private_atomic(target, b"one")
    write_private_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]
