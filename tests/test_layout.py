"""The layout's rule that keeps core code quiet: only the CLI and the renderers speak to
people, so no module outside `bsevents/cli/` and `bsevents/views/` imports the UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bsevents"
SPEAKERS = ("cli", "views")


def imported(source: str, package: str) -> set[str]:
    """Every module `source` imports, anywhere in it (lazy imports too), as dotted names,
    relative ones read from `package`; `from a import b` counts as `a` and `a.b`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def core_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in SPEAKERS
    )


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_code_never_imports_the_ui(path: Path) -> None:
    package = ".".join(("bsevents", *path.relative_to(PACKAGE).parent.parts))
    assert "bsevents.views.ui" not in imported(path.read_text(encoding="utf-8"), package)


@pytest.mark.parametrize(
    ("line", "package"),
    [
        ("from bsevents.views import ui", "bsevents"),
        ("import bsevents.views.ui", "bsevents"),
        ("from .ui import note", "bsevents.views"),
        ("from ..views import ui", "bsevents.completion"),
    ],
)
def test_the_rule_sees_each_way_of_importing_the_ui(line: str, package: str) -> None:
    assert "bsevents.views.ui" in imported(f"def f() -> None:\n    {line}\n", package)


def test_the_rule_covers_the_core_modules() -> None:
    names = {str(path.relative_to(PACKAGE)) for path in core_modules()}
    assert {"api/client.py", "state/keys.py", "state/ledger/local.py", "app/fetch.py"} <= names
    assert not any(name.startswith(("cli/", "views/")) for name in names)
