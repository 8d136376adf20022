"""How long a TAB, `--version` and `--help` take, against a bare Python start.

    python benchmarks/completion.py [--runs 60] [--script PATH]

Runs each command as a fresh process (as a shell does on every TAB), with a temporary
home holding a settings file with three profiles and a cache index of 100 customers and
40 event names, and prints a Markdown table of the median and 90th percentile in
milliseconds. The figures in the README come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UUID = "{:08x}-2cbc-4e2b-a132-b02de69bba15"


def make_home(root: Path) -> dict[str, str]:
    """A home with settings and a cache index; the environment that points at it."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("BSEVENTS_", "BLUESHIFT_", "_BSEVENTS_", "_TYPER_", "COMP_")):
            del env[name]
    # As installed: with bytecode caches (pip writes them; an editable install writes them
    # on the first, unmeasured, runs).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        HOME=str(root),
        XDG_CONFIG_HOME=str(root / ".config"),
        XDG_CACHE_HOME=str(root / ".cache"),
        XDG_STATE_HOME=str(root / ".local" / "state"),
    )
    config = root / ".config" / "bsevents" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'default_profile = "staging"\n\n[profiles.default]\nregion = "us"\n\n'
        '[profiles.staging]\nregion = "eu"\n\n[profiles.prod]\nregion = "us"\n'
    )
    index = root / ".cache" / "bsevents" / "index.json"
    index.parent.mkdir(parents=True)
    customers = [
        {
            "uuid": UUID.format(n),
            "email": f"customer{n}@example.com",
            "events": n * 3,
            "fetched_at": f"2026-01-{1 + n % 28:02d}T10:00:00Z",
            "region": "us",
        }
        for n in range(100)
    ]
    names = [f"event_{n}" for n in range(40)]
    index.write_text(json.dumps({"version": 1, "customers": customers, "event_names": names}))
    return env


def run_once(command: list[str], env: dict[str, str]) -> float:
    """Wall-clock milliseconds of one run."""
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def measure(cases: list[tuple[str, list[str], dict[str, str]]], runs: int) -> list[list[float]]:
    """`runs` timings of each case, taken in turns so that a change in the machine's load
    weighs on every case alike; two unmeasured rounds first (bytecode, disk caches)."""
    times: list[list[float]] = [[] for _ in cases]
    for round_ in range(runs + 2):
        for n, (_, command, env) in enumerate(cases):
            elapsed = run_once(command, env)
            if round_ >= 2:
                times[n].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--script",
        default=str(Path(sys.executable).with_name("bsevents")),
        help="the installed console script (default: next to this Python)",
    )
    options = parser.parse_args()
    script = options.script
    with tempfile.TemporaryDirectory() as tmp:
        env = make_home(Path(tmp))

        def tab(shell: str, line: str) -> dict[str, str]:
            extra = {"_BSEVENTS_COMPLETE": f"complete_{shell}"}
            if shell == "bash":
                words = line.split(" ")
                extra.update(COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1))
            else:
                extra.update(_TYPER_COMPLETE_ARGS=line, _TYPER_COMPLETE_FISH_ACTION="get-args")
            return {**env, **extra}

        typer_path = [sys.executable, "-c", "from bsevents.cli.app import run; run()"]
        cases = [
            ("bare `python -c pass`", [sys.executable, "-c", "pass"], env),
            ("`bsevents --version`", [script, "--version"], env),
            (
                "TAB: bash `bsevents events <TAB>` (100 customers)",
                [script],
                tab("bash", "bsevents events "),
            ),
            (
                "TAB: zsh `bsevents events --view <TAB>`",
                [script],
                tab("zsh", "bsevents events --view "),
            ),
            ("TAB: fish `bsevents events --<TAB>`", [script], tab("fish", "bsevents events --")),
            (
                "TAB through Typer (for comparison)",
                typer_path,
                tab("zsh", "bsevents events --view "),
            ),
            ("`bsevents --help`", [script, "--help"], env),
            ("`bsevents events --help`", [script, "events", "--help"], env),
        ]
        print(
            f"{options.runs} runs each, in turns; milliseconds; {os.cpu_count()} CPUs; "
            f"Python {sys.version.split()[0]}\n"
        )
        print("| command | median | 90th percentile | median over bare Python |")
        print("| --- | ---: | ---: | ---: |")
        results = measure(cases, options.runs)
        bare = statistics.median(results[0])
        for (label, _, _), times in zip(cases, results, strict=True):
            times.sort()
            median = statistics.median(times)
            p90 = times[max(0, int(len(times) * 0.9) - 1)]
            print(f"| {label} | {median:.1f} | {p90:.1f} | +{median - bare:.1f} |")


if __name__ == "__main__":
    main()
