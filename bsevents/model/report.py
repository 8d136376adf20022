"""How lower layers tell people things without knowing how: one `Reporter` object.

Core code (the API client, the stores, the pipeline) never imports the terminal
(`bsevents.views.ui`): whatever has something to say is handed a Reporter, made once per
run, and says it through that. The CLI's Reporter is the run's `Terminal`; tests use
`Silent` or a recorder of their own.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    """Messages for people (stderr), in four kinds, and a transient progress line."""

    def note(self, message: str) -> None:
        """A note, quietly shown (dimmed); --quiet silences it."""

    def say(self, message: str) -> None:
        """A note that must not be overlooked (not dimmed); --quiet silences it."""

    def warn(self, message: str) -> None:
        """Something is wrong but the command goes on; --quiet silences it."""

    def debug(self, message: str) -> None:
        """Detail for --debug only."""

    def progress(self, received: int | None) -> None:
        """Bytes of an answer received so far, as a line the next message replaces; None
        when the answer is complete (the line goes)."""


class Silent:
    """A Reporter that says nothing: the default for callers with nobody to tell."""

    def note(self, message: str) -> None:
        pass

    def say(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def debug(self, message: str) -> None:
        pass

    def progress(self, received: int | None) -> None:
        pass


SILENT: Reporter = Silent()
