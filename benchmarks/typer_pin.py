"""What the typer pin saves: the same commands with two installs of bsevents, the
pinned typer and a newer one, in turns.

    python3 -m venv /tmp/typer-new && /tmp/typer-new/bin/pip install -e '.[test]'
    /tmp/typer-new/bin/pip install -U typer
    python benchmarks/typer_pin.py /tmp/typer-new/bin/bsevents [--runs 30]

Each command runs as a fresh process, the two installs alternating, in a temporary home;
the table gives the median wall time and the median user+sys CPU of each, in
milliseconds. The load average is printed with it. The README's typer table comes from
this script.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runs import BSEVENTS, load_average

COMMANDS = (
    ("`bsevents --help`", ["--help"]),
    ("`bsevents events --demo` (into a pipe: JSON)", ["events", "--demo"]),
    ("`bsevents events --demo --json`", ["events", "--demo", "--json"]),
)


def version(script: str) -> str:
    python = Path(script).with_name("python")
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('typer'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def once(script: str, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and user+sys CPU seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([script, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="bsevents installed with the other typer")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    scripts = [BSEVENTS, args.other]
    names = [version(s) for s in scripts]
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/.config")
        env.update(XDG_STATE_HOME=f"{home}/.state", XDG_CACHE_HOME=f"{home}/.cache")
        load_before = load_average()
        rows = []
        for label, command in COMMANDS:
            runs: list[list[tuple[float, float]]] = [[], []]
            for _ in range(args.runs):
                for i, script in enumerate(scripts):
                    runs[i].append(once(script, command, env))
            walls = [statistics.median(w for w, _ in r) * 1000 for r in runs]
            cpus = [statistics.median(c for _, c in r) * 1000 for r in runs]
            rows.append((label, walls, cpus))
        load_after = load_average()
    first, second = names
    print(
        f"| command | typer {first} wall | {second} wall | {first} user+sys CPU "
        f"| {second} user+sys CPU |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, walls, cpus in rows:
        cells = " | ".join(f"{v:.0f} ms" for v in (*walls, *cpus))
        print(f"| {label} | {cells} |")
    print()
    print(f"load average before: {load_before}; after: {load_after}")


if __name__ == "__main__":
    main()
