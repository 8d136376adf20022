"""Tables read from README.md, for the tests that keep it in step with the code."""

from __future__ import annotations

import itertools
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_table(heading: str) -> list[list[str]]:
    """The body rows of the first table under `heading` in README.md, cells stripped."""
    lines = README.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines[first:]))
    # Past the header and the --- line; `\|` inside a cell is no separator.
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[2:]]
