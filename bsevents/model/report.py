"""How core code tells people things without knowing how: callbacks the CLI passes in.

Core modules (client, credentials, source, ledger, cache) never import `bsevents.views.ui`;
a function that has something to say takes a `Notify` for it, which defaults to saying
nothing, and the CLI passes its terminal's writer.
"""

from __future__ import annotations

from collections.abc import Callable

Notify = Callable[[str], None]


def ignore(_: str) -> None:
    """Say nothing: the default for a caller that has nobody to tell."""
    pass
