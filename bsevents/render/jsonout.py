"""JSON output: the event objects exactly as received, in the order given.

No rich here: piping JSON must stay fast and light.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bsevents.sanitize import escape_json_text


def to_json(events: Sequence[Any], *, pretty: bool = False) -> str:
    """A JSON array. Compact form puts one event per line, which keeps the C encoder's
    speed, reads well in a pager and diffs well; pretty form indents for a terminal."""
    if pretty:
        text = json.dumps(events, ensure_ascii=False, indent=2)
    elif not events:
        text = "[]"
    else:
        text = "[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n]"
    return escape_json_text(text) + "\n"
