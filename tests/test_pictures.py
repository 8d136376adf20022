"""The README's SVG pictures are made by docs/pictures.py; fail when they are stale."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pictures", ROOT / "docs" / "pictures.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pictures_are_up_to_date() -> None:
    made = load_script().pictures()
    assert {p.name for p in made} == {"table.svg", "timeline.svg"}
    for path, svg in made.items():
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        assert committed == svg, f"{path.name} is stale: run python docs/pictures.py"


def test_pictures_do_not_depend_on_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_script().pictures()
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("NO_COLOR", "1")
    time.tzset()
    try:
        second = load_script().pictures()
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert first == second


def test_readme_shows_both_pictures() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/table.svg" in readme
    assert "docs/timeline.svg" in readme
