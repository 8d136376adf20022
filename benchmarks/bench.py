"""Benchmarks for the views: wall time and peak memory on synthetic responses.

    python benchmarks/bench.py                 # 1k, 10k and 100k events
    python benchmarks/bench.py --sizes 10000   # just one size
    python benchmarks/bench.py --repeat 5

Responses are generated into a temporary directory (benchmarks/synthetic.py), never
committed. Each command reads the stored response with --from-file and writes into a
pipe that is read and thrown away; the time is the best of --repeat runs, the memory the
peak resident size of that process (from wait4). jq, when installed, is the yardstick:
`jq -c 'sort_by(.timestamp)'` does the least a JSON view must do (parse, sort, print);
the last two columns are each command's time and memory over jq's, measured in the same
run, so they hold when the machine's speed does not. The load average is printed with the
table.
Human views run with --color always and COLUMNS=120, so colour is part of the cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runs import BSEVENTS, load_average
from runs import measure as measured
from synthetic import write_response

# For comparison: the same rows through rich's own Table, as the first table view drew
# them. This is what the grid renderer replaced.
RICH_TABLE = """
import json, sys
from rich.console import Console
from rich.table import Table
from bsevents.model.events import sort_events
from bsevents.views.common import Clock, cell
from bsevents.views.summary import browser, short_session, summary
events = sort_events(json.load(open(sys.argv[1], encoding="utf-8")))
clock = Clock(None)
table = Table()
for name in ("Time", "Event", "Summary", "Browser", "Session"):
    table.add_column(name, no_wrap=True, overflow="ellipsis")
for e in events:
    table.add_row(clock.full(clock.moment(e)), cell(e["event"]), cell(summary(e)),
                  cell(browser(e)), cell(short_session(e)))
Console(force_terminal=True, width=120).print(table)
"""


def commands(path: Path, size: int) -> list[tuple[str, list[str]]]:
    base = [BSEVENTS, "events", "--from-file", str(path)]
    found = [
        ("bsevents --json", [*base, "--json"]),
        ("bsevents --view ndjson", [*base, "--view", "ndjson"]),
        ("bsevents --view csv", [*base, "--view", "csv"]),
        ("bsevents (table, 200 most recent)", [*base, "--view", "table", "--color", "always"]),
        ("bsevents --all (table)", [*base, "--view", "table", "--all", "--color", "always"]),
        (
            "bsevents --view timeline --all",
            [*base, "--view", "timeline", "--all", "--color", "always"],
        ),
        (
            "bsevents --json -t view -g boots",
            [*base, "--json", "--type", "view", "--grep", "boots"],
        ),
    ]
    if shutil.which("jq"):
        found.insert(
            0, ("jq -c 'sort_by(.timestamp)'", ["jq", "-c", "sort_by(.timestamp)", str(path)])
        )
    if size <= 10_000:
        found.append(
            ("rich Table, every row (reference)", [sys.executable, "-c", RICH_TABLE, str(path)])
        )
    return found


def measure(argv: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS in KiB for one run, its output read from a pipe, the human
    views as wide as a 120-column terminal."""
    elapsed, _, peak = measured(argv, env={**os.environ, "COLUMNS": "120"})
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows: list[tuple[str, int, float, int]] = []
    before = load_average()
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = write_response(Path(folder) / f"events-{size}.json", size)
            megabytes = path.stat().st_size / 1e6
            print(f"{size:,} events, {megabytes:.1f} MB", file=sys.stderr)
            for label, argv in commands(path, size):
                repeat = args.repeat if size < 100_000 else max(1, args.repeat - 1)
                runs = [measure(argv) for _ in range(repeat)]
                best = min(t for t, _ in runs)
                peak = max(m for _, m in runs)
                rows.append((label, size, best, peak))
                print(f"  {label:36} {best:6.2f} s {peak / 1024:7.0f} MiB", file=sys.stderr)
    print(f"load average before: {before}; after: {load_average()}")
    print("| command | events | time (best) | peak memory | time / jq's | memory / jq's |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    yardstick = {size: (best, peak) for label, size, best, peak in rows if label.startswith("jq")}
    for label, size, best, peak in rows:
        jq_time, jq_peak = yardstick.get(size, (0.0, 0))
        ratios = f"{best / jq_time:.2f} | {peak / jq_peak:.2f}" if jq_time else "– | –"
        print(f"| `{label}` | {size:,} | {best:.2f} s | {peak / 1024:.0f} MiB | {ratios} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
