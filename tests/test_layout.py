"""The layout is the architecture, enforced: the folders of `bsevents/` are layers, and no
module imports from a layer above its own (lazy imports inside functions included).

Lowest first (a module may import its own layer and the ones below):

    errors                      the exception tree and exit codes, used everywhere
    model                       plain data and pure rules
    query                       filters, --where, lint, plans
    api | state                 HTTP | what is kept between runs (neither imports the other)
    app                         the pipeline and the use cases on it
    views                       renderers, output, the terminal for people
    completion                  TAB, answered without the CLI framework
    cli                         the Typer layer
    entry, __main__             the console script
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bsevents"
RANKS = {
    "__init__": 0,  # the package face: the version only
    "errors": 0,
    "model": 1,
    "query": 2,
    "api": 3,
    "state": 3,
    "app": 4,
    "views": 5,
    "completion": 6,
    "cli": 7,
    "entry": 8,
    "__main__": 9,
}
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "entry.py", "errors.py"}


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


def layer_of(dotted: str) -> str | None:
    """The layer of a module of ours (`bsevents.state.ledger.local` -> `state`), or None
    for another package's. `bsevents.__version__` is the package face."""
    parts = dotted.split(".")
    if parts[0] != "bsevents":
        return None
    if len(parts) == 1 or parts[1] == "__version__":
        return "__init__"
    return parts[1]


def violations(path: Path) -> list[str]:
    """The imports of `path` that run up the layers, or sideways between api and state."""
    relative = path.relative_to(PACKAGE)
    mine = relative.parts[0].removesuffix(".py")
    package = ".".join(("bsevents", *relative.parent.parts))
    wrong = []
    for name in sorted(imported(path.read_text(encoding="utf-8"), package)):
        theirs = layer_of(name)
        if theirs is None or theirs == mine:
            continue
        rank, their_rank = RANKS[mine], RANKS.get(theirs)
        if their_rank is None:
            wrong.append(f"{name}: not in a layer (add it to RANKS)")
        elif their_rank > rank or (their_rank == rank and mine in ("api", "state")):
            wrong.append(f"{name} ({theirs}, above {mine})")
    return wrong


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_from_a_layer_above_its_own(path: Path) -> None:
    assert violations(path) == []


def test_every_module_is_in_a_layer() -> None:
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in modules()}
    assert tops <= set(RANKS)


def test_the_top_level_holds_only_the_entry_point_errors_and_the_package_face() -> None:
    files = {p.name for p in PACKAGE.iterdir() if p.is_file()}
    assert files == TOP_LEVEL_FILES


@pytest.mark.parametrize(
    "folder",
    sorted(p for p in PACKAGE.rglob("*") if p.is_dir() and any(p.glob("*.py"))),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_each_folder_says_in_one_line_what_lives_there(folder: Path) -> None:
    init = folder / "__init__.py"
    assert init.is_file()
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert docstring
    assert docstring.strip()
    assert len(docstring.split(". ")) <= 2, docstring  # a line, not an essay


@pytest.mark.parametrize(
    ("mine", "line", "found"),
    [
        (
            "model/x.py",
            "from bsevents.state.settings import resolve",
            ["bsevents.state.settings (state, above model)",
             "bsevents.state.settings.resolve (state, above model)"],
        ),
        ("model/x.py", "import bsevents.views.ui", ["bsevents.views.ui (views, above model)"]),
        (
            "query/x.py",
            "from ..views import fields",
            ["bsevents.views (views, above query)", "bsevents.views.fields (views, above query)"],
        ),
        ("query/x.py", "from .. import views", ["bsevents.views (views, above query)"]),
        ("model/x.py", "from .x import y", []),  # its own folder: no climb
        (
            "state/x.py",
            "from bsevents.api.client import fetch_events",
            ["bsevents.api.client (api, above state)",
             "bsevents.api.client.fetch_events (api, above state)"],
        ),
        (
            "api/x.py",
            "from bsevents.state import keys",
            ["bsevents.state (state, above api)", "bsevents.state.keys (state, above api)"],
        ),
        (
            "app/x.py",
            "from bsevents.cli.app import app",
            ["bsevents.cli.app (cli, above app)", "bsevents.cli.app.app (cli, above app)"],
        ),
        (
            "views/x.py",
            "from bsevents.completion import fast",
            ["bsevents.completion (completion, above views)",
             "bsevents.completion.fast (completion, above views)"],
        ),
    ],
)  # fmt: skip
def test_the_rule_sees_an_upward_import_however_it_is_written(
    tmp_path: Path, mine: str, line: str, found: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bsevents"
    (fake / mine).parent.mkdir(parents=True)
    (fake / mine).write_text(f"def f() -> None:\n    {line}\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert violations(fake / mine) == found


@pytest.mark.parametrize(
    ("mine", "line"),
    [
        ("app/x.py", "from bsevents.state.settings import resolve"),
        ("views/x.py", "from bsevents.app.pipeline import EventsResult"),
        ("cli/x.py", "from bsevents.completion.install import install"),
        ("state/x.py", "from bsevents.errors import UsageProblem"),
    ],
)
def test_the_rule_lets_a_downward_import_through(
    tmp_path: Path, mine: str, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bsevents"
    (fake / mine).parent.mkdir(parents=True)
    (fake / mine).write_text(f"{line}\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert violations(fake / mine) == []


def _graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (lazy and type-only imports too)."""
    graph: dict[str, set[str]] = {}
    for path in modules():
        relative = path.relative_to(PACKAGE)
        parts = ("bsevents", *relative.with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = ".".join(("bsevents", *relative.parent.parts))
        graph[name] = set()
        for imported_name in imported(path.read_text(encoding="utf-8"), package):
            graph[name].add(imported_name)
    known = set(graph)
    return {name: {i for i in found if i in known and i != name} for name, found in graph.items()}


def test_no_two_modules_import_each_other_even_lazily() -> None:
    # A circle, even one a lazy import keeps from failing, is two modules that cannot be
    # read or moved one without the other: the shared part wants a module of its own.
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


def test_the_circle_rule_sees_a_lazy_circle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bsevents"
    (fake / "app").mkdir(parents=True)
    (fake / "app" / "one.py").write_text("def f() -> None:\n    from bsevents.app import two\n")
    (fake / "app" / "two.py").write_text("from bsevents.app.one import f\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    with pytest.raises(AssertionError, match=r"bsevents\.app\.one"):
        test_no_two_modules_import_each_other_even_lazily()
