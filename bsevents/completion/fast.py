"""The fast path: answer a shell's completion request without the CLI framework.

`bsevents.entry` calls `respond` when `_BSEVENTS_COMPLETE` is set. Everything it needs is
in the generated `spec` and the user's local files; it imports neither typer nor anything
that talks to the network, the keyring or a database.
"""

from __future__ import annotations

import os

from bsevents.completion import spec
from bsevents.completion.engine import complete
from bsevents.completion.local import LocalSources
from bsevents.completion.shells import SHELLS, answer, command_line, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

COMPLETING = ("bash", "zsh", "fish", "powershell", "pwsh")


def respond(env: Mapping[str, str] | None = None) -> tuple[str, int] | None:
    """(what to print, exit status) for the request in `env`, or None when the request is
    not one we answer (Typer then answers it, or explains what is wrong)."""
    env = os.environ if env is None else env
    action, _, shell = env.get(spec.COMPLETE_VAR, "").partition("_")
    if action == "source" and shell in SHELLS:
        return render(shell, spec.PROG), 0
    if action != "complete" or shell not in COMPLETING:
        return None
    try:
        args, incomplete = command_line(shell, env)
        items = complete(spec.ROOT, args, incomplete, LocalSources(env), spec.SETTINGS)
        return answer(shell, items, env.get("_TYPER_COMPLETE_FISH_ACTION", "get-args"))
    except Exception:
        # A traceback would land in the middle of the user's command line: offer nothing,
        # unless someone is debugging.
        if env.get("BSEVENTS_DEBUG", "") not in ("", "0"):
            raise
        return answer(shell, [], "get-args")
