"""One event in full (`--show`): every field, custom parameters included, as JSON.

Plain indented JSON for pipes (no rich, see `bsevents.views.jsonout.pretty_json`);
on a terminal the same text highlighted. The JSON text is made safe first (C1 and bidi
characters escaped as \\uXXXX, C0 escaped by the encoder) and only then handed to rich
as plain `Text` with a highlighter: rich's own JSON renderable re-encodes the data, which
would bring the raw characters back.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.highlighter import JSONHighlighter
from rich.text import Text

from bsevents.views.jsonout import pretty_json


def render_detail(console: Console, value: Any) -> None:
    """Print `value` (an event, or a list of events sharing a uuid) as highlighted JSON."""
    text = Text(pretty_json(value).rstrip("\n"), no_wrap=False)
    JSONHighlighter().highlight(text)
    console.print(text, soft_wrap=True, crop=False)
