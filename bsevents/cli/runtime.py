"""What a run of the command line takes from the world (HTTPie's `Environment`): the
clock, the HTTP transport and the environment variables, with the run's terminal. The
root command puts one in the click context; every command builds its `Context` from it.

`bsevents` itself always runs with the real world; a test hands the app another one
(`runner.invoke(app, args, obj=Runtime(clock=…, transport=…))`) instead of switching
production code with environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bsevents.app.context import Choice, Clock, Context
from bsevents.views import ui


@dataclass
class Runtime:
    clock: Clock = field(default_factory=Clock)
    transport: Any = None  # an httpx transport; None: the network
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    terminal: ui.Terminal = field(default_factory=ui.Terminal)

    def context(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        base_url: str | None = None,
        url_region: str | None = None,
    ) -> Context:
        """The run's context, with the settings these flags (and a dashboard URL's
        region) choose."""
        choice = Choice(profile, region, base_url, url_region)
        return Context(choice, self.terminal, self.clock, self.transport, self.env)


def of(command: Any) -> Runtime:
    """The runtime of the running command (a `typer.Context`), which the root command
    put there; a command invoked on its own (no root) gets the real world."""
    found = command.find_object(Runtime) if command is not None else None
    return found if isinstance(found, Runtime) else Runtime(terminal=ui.terminal())
