"""How long the commands felt on every keystroke take: a TAB, `--version`, `--help`,
and `quota` against the demo, each against an anchor measured in the same run.

    python benchmarks/completion.py [--runs 60] [--script PATH]

Runs each command as a fresh process (as a shell does on every TAB), in turns, with a
temporary home holding a settings file with three profiles and a cache index of 100
customers and 40 event names, and prints a Markdown table of the median and 90th
percentile in milliseconds, and each median over its anchor's: a bare `python -c pass`
for TAB, `--version` and `--help`; `bsevents events --demo --json` for `quota` (with the
key in the environment, and with it stored in a keyring backend, `file_keyring.py`, by
`config set-key` first, as a person would). The load average is printed with the table.
The figures in the README come from this script.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runs import load_average

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


def keyring_home(env: dict[str, str], script: str) -> dict[str, str]:
    """The environment with a key stored in a file-backed keyring by `config set-key`."""
    keyed = {
        **env,
        "PYTHONPATH": str(Path(__file__).resolve().parent),
        "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
    }
    subprocess.run(
        [script, "config", "set-key", "--stdin", "--profile", "staging"],
        input="bench-key-0123456789abcdef",
        text=True,
        env=keyed,
        check=True,
        capture_output=True,
    )
    return keyed


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
        keyed = keyring_home(env, script)
        bare = ("bare `python -c pass`", [sys.executable, "-c", "pass"], env)
        demo = ("`bsevents events --demo --json`", [script, "events", "--demo", "--json"], env)
        cases = [
            bare,
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
            demo,
            (
                "`bsevents quota`, key in the environment",
                [script, "quota"],
                {**env, "BLUESHIFT_API_KEY": "bench-key-0123456789abcdef"},
            ),
            ("`bsevents quota`, key in a keyring", [script, "quota"], keyed),
        ]
        before = load_average()
        print(
            f"{options.runs} runs each, in turns; milliseconds; {os.cpu_count()} CPUs; "
            f"Python {sys.version.split()[0]}\n"
        )
        print("| command | median | 90th percentile | median over its anchor's |")
        print("| --- | ---: | ---: | ---: |")
        results = measure(cases, options.runs)
        medians = [statistics.median(times) for times in results]
        anchors = {bare[0]: medians[0], demo[0]: medians[cases.index(demo)]}
        for (label, _, _), times, median in zip(cases, results, medians, strict=True):
            times.sort()
            p90 = times[max(0, int(len(times) * 0.9) - 1)]
            anchor = demo[0] if label.startswith("`bsevents quota`") else bare[0]
            ratio = "anchor" if label in anchors else f"{median / anchors[anchor]:.2f}×"
            print(f"| {label} | {median:.1f} | {p90:.1f} | {ratio} |")
        print(f"\nload average before: {before}; after: {load_average()}")


if __name__ == "__main__":
    main()
