"""The views and colour choices the command line offers: plain enums, importable for
--help without loading any renderer."""

from __future__ import annotations

from enum import Enum


class View(str, Enum):
    table = "table"
    timeline = "timeline"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


class ColorChoice(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


HUMAN_VIEWS = (View.table, View.timeline)
# Human views show this many of the most recent events unless --all or --limit says.
DEFAULT_SHOWN = 200
