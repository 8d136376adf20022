"""Make the README's pictures of the table and the timeline from the bundled demo data.

    python docs/pictures.py          # rewrite docs/table.svg and docs/timeline.svg

The output is deterministic (fixed width, UTC, fixed colours and ids, no date of
making), so tests/test_pictures.py can fail when a committed picture is stale.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from datetime import timezone
from pathlib import Path

from rich.console import Console
from rich.terminal_theme import MONOKAI

from bsevents.app.demo import get_demo
from bsevents.query.filters import make_criteria, select
from bsevents.views.events import DEFAULT_SHOWN, footer_text, view_title
from bsevents.views.table import render_table
from bsevents.views.timeline import render_timeline

HERE = Path(__file__).resolve().parent
WIDTH = 118
TITLE_TABLE = "bsevents events --demo --utc --since 2026-11-25 --until 2026-11-25"
TITLE_TIMELINE = "bsevents events --demo --utc --view timeline"


def _record(draw: Callable[[Console], None], title: str, unique_id: str) -> str:
    console = Console(
        record=True,
        width=WIDTH,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        no_color=False,
        highlight=False,
        emoji=False,
        _environ={},  # no COLUMNS, NO_COLOR or FORCE_COLOR from whoever runs this
    )
    draw(console)
    return console.export_svg(title=title, theme=MONOKAI, unique_id=unique_id)


def pictures() -> dict[Path, str]:
    """Each picture's path and its SVG text."""
    result = get_demo()
    title = view_title(result, None)
    # The same steps as the command: filters, then the view, then its footer.
    criteria = make_criteria(since="2026-11-25", until="2026-11-25", utc=True)
    one_day = select(result.events, criteria, limit=DEFAULT_SHOWN)
    everything = select(result.events, make_criteria(), limit=DEFAULT_SHOWN)
    return {
        HERE / "table.svg": _record(
            lambda c: render_table(
                c,
                one_day.events,
                title=title,
                tz=timezone.utc,
                footer_text=footer_text(one_day, default_cap=True),
            ),
            TITLE_TABLE,
            "bsevents-table",
        ),
        HERE / "timeline.svg": _record(
            lambda c: render_timeline(
                c,
                everything.events,
                title=title,
                tz=timezone.utc,
                footer_text=footer_text(everything, default_cap=True),
            ),
            TITLE_TIMELINE,
            "bsevents-timeline",
        ),
    }


def main() -> int:
    for path, svg in pictures().items():
        path.write_text(svg, encoding="utf-8")
        sys.stdout.write(f"wrote {path.relative_to(HERE.parent)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
