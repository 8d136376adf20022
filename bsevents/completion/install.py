"""`bsevents --show-completion` and `--install-completion`: serve the committed scripts.

Typer's own options of those names print and install Typer's scripts; bsevents turns them
off and offers its own, which write the scripts in `completions/` (`shells.render`) to the
places Typer used, so instructions and shells set up before keep working.
"""

from __future__ import annotations

import os
from pathlib import Path

from bsevents.completion.shells import SHELLS, render
from bsevents.errors import UsageProblem

AUTO = "auto"
# Where each shell's script goes, under the home directory, and the line its start-up file
# needs (None: the shell finds the script by itself).
PLACES = {
    "bash": (".bash_completions/{prog}.sh", ".bashrc", "source '{path}'"),
    "zsh": (".zfunc/_{prog}", ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit"),
    "fish": (".config/fish/completions/{prog}.fish", None, None),
}


def choose_shell(given: str) -> str:
    """The shell named by `given`, or for `auto` the shell this program runs under."""
    shell = detect_shell() if given == AUTO else given
    if shell in SHELLS:
        return shell
    shown = f"{given}" if given != AUTO else f"{shell or 'the calling shell'} (detected)"
    raise UsageProblem(
        f"no completion for {shown}: bsevents completes in {', '.join(SHELLS)}",
        "name one, e.g. bsevents --show-completion bash",
    )


def detect_shell() -> str | None:
    """The shell this program was started from: the parent processes (shellingham, which
    Typer installs), else $SHELL."""
    try:
        import shellingham  # type: ignore[import-untyped]

        name, _ = shellingham.detect_shell()
        return str(name)
    except Exception:  # not installed, or no shell among the parents
        shell = os.environ.get("SHELL", "")
        return Path(shell).name or None


def install(shell: str, prog: str, home: Path) -> Path:
    """Write `shell`'s script for `prog` where Typer put it, add the start-up line it
    needs if missing, and return the script's path."""
    script, rc_name, rc_line = PLACES[shell]
    path = home / script.format(prog=prog)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(shell, prog), encoding="utf-8")
    if rc_name is not None and rc_line is not None:
        rc = home / rc_name
        line = rc_line.format(path=path)
        text = rc.read_text(encoding="utf-8") if rc.is_file() else ""
        if line not in text:
            rc.write_text(f"{text.rstrip()}\n{line}\n".lstrip("\n"), encoding="utf-8")
    return path
