"""Benchmark for `bsevents reconcile`: a 50 MB HAR with 10,000 Blueshift requests against
the 10,000 events they became.

    python benchmarks/reconcile.py
    python benchmarks/reconcile.py --requests 10000 --har-mb 50 --repeat 5

The goal: reconciling takes less than twice the time `events --json` takes on the same
events (matching is never quadratic). The events are benchmarks/synthetic.py's; the HAR
holds, for each, the request a page or app would have sent (the pixel for most, the
Event API for purchases, checkouts and logins, bulkevents for a few), in Chrome's shape
with its headers and cookies, and other sites' traffic around them up to the size asked
for. About 2% of the sends differ from what arrived (a value changed, a key renamed), 1%
were blocked by an ad blocker and 1% rejected. Both commands read the events with
--from-file and write JSON into a pipe; times are the best of --repeat runs, CPU the best
user+system time, memory the peak resident size.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runs import BSEVENTS, measure
from synthetic import make_events

API = "https://api.getblueshift.com"
_HEADERS = [
    {"name": "accept", "value": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"},
    {"name": "accept-encoding", "value": "gzip, deflate, br, zstd"},
    {"name": "accept-language", "value": "en-GB,en;q=0.9,sv;q=0.8"},
    {"name": "referer", "value": "https://shop.example.com/"},
    {"name": "sec-ch-ua", "value": '"Chromium";v="126", "Google Chrome";v="126"'},
    {"name": "user-agent", "value": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/126"},
]
_OWN = {
    "_bsft_doc_type",
    "_bsft_ts",
    "_bsft_type",
    "account_uuid",
    "browser_platform",
    "browser_type",
    "browser_version",
    "cookie",
    "email",
    "event",
    "event_uuid",
    "ip",
    "santized_at",
    "session_uuid",
    "site",
    "timestamp",
    "timestamp_epoch",
    "url",
    "user_agent",
    "user_uuid",
}


def _iso(seconds: float) -> str:
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{base}.{int(seconds * 1000) % 1000:03d}Z"


def _entry(moment: float, request: dict[str, Any], status: int, text: str = "") -> dict[str, Any]:
    response: dict[str, Any] = {
        "status": status,
        "statusText": "",
        "httpVersion": "http/2.0",
        "headers": [{"name": "content-type", "value": "image/gif"}, *_HEADERS[:2]],
        "cookies": [],
        "content": {"size": len(text), "mimeType": "application/json", "text": text},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
        "_transferSize": 180,
        "_error": None,
    }
    if status == 0:
        response["_error"] = "net::ERR_BLOCKED_BY_CLIENT"
    return {
        "_initiator": {"type": "script", "url": "https://shop.example.com/static/bs.js"},
        "_priority": "Low",
        "_resourceType": "image",
        "cache": {},
        "connection": "443",
        "pageref": "page_1",
        "request": {"httpVersion": "http/2.0", "headersSize": -1, **request},
        "response": response,
        "serverIPAddress": "52.0.0.1",
        "startedDateTime": _iso(moment),
        "time": 41.3,
        "timings": {"blocked": 1, "dns": -1, "send": 0.1, "wait": 40, "receive": 0.2},
    }


def _params(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    params = {k: v for k, v in event.items() if k not in _OWN}
    if params and rng.random() < 0.02:  # a value changed on its way
        key = sorted(params)[0]
        params[key] = "changed"
    return params


def _request(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    moment = event["timestamp_epoch"] - 0.8
    cookie = [{"name": "cookie", "value": f"_bs={event['cookie']}; session=abc"}]
    if event["event"] in ("purchase", "checkout", "login"):
        body = {"event": event["event"], "email": event["email"], **_params(event, rng)}
        headers = [{"name": "authorization", "value": "Basic ZXZlbnQta2V5Og=="}, *_HEADERS]
        request = {"method": "POST", "url": f"{API}/api/v1/event", "headers": headers}
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    else:
        query: dict[str, Any] = {"x": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "t": int(moment)}
        query.update(e=event["event"], k=event["cookie"], u=event["url"], r="")
        for key, value in _params(event, rng).items():
            if isinstance(value, (dict, list)):
                query[f"{key}_json"] = json.dumps(value, separators=(",", ":"))
            else:
                query[key] = value
        query["z"] = rng.randrange(10**8)
        url = f"{API}/unity.gif?" + urlencode(query, quote_via=quote)
        request = {"method": "GET", "url": url, "headers": [*_HEADERS, *cookie]}
    roll = rng.random()
    status = 0 if roll < 0.01 else 400 if roll < 0.02 else 200
    answer = '{"errors": {"event": ["is invalid"]}}' if status == 400 else ""
    return _entry(moment, request, status, answer)


def _other(moment: float, size: int, rng: random.Random) -> dict[str, Any]:
    """Another site's request: a script or an API answer, with its body."""
    url = f"https://cdn{rng.randrange(9)}.example.net/assets/app.{rng.randrange(10**6)}.js"
    request = {"method": "GET", "url": url, "headers": _HEADERS}
    return _entry(moment, request, 200, "x" * size)


def write_har(path: Path, events: list[dict[str, Any]], megabytes: int) -> tuple[Path, int]:
    """The HAR of `events`' requests and other sites' traffic, indented as DevTools
    writes it; and how many Blueshift requests it holds."""
    rng = random.Random(11)  # noqa: S311 - synthetic data
    entries = [_request(event, rng) for event in events]
    size = len(json.dumps(entries))
    target = megabytes * 1024 * 1024
    others = max(0, (target - int(size * 1.3)) // 6300)  # indented, as DevTools writes
    first, last = events[0]["timestamp_epoch"], events[-1]["timestamp_epoch"]
    entries += [_other(rng.uniform(first, last), 5000, rng) for _ in range(others)]
    entries.sort(key=lambda entry: entry["startedDateTime"])
    har = {"log": {"version": "1.2", "creator": {"name": "WebInspector"}, "entries": entries}}
    path.write_text(json.dumps(har, indent=1), "utf-8")
    return path, len(entries) - others


def write_files(folder: Path, requests: int, har_mb: int) -> None:
    """The events (newest first, as show_events sends them) and the HAR, in `folder`."""
    made = make_events(requests)
    (folder / "events.json").write_text(json.dumps(made[::-1], separators=(",", ":")), "utf-8")
    _, found = write_har(folder / "page.har", made, har_mb)
    (folder / "requests").write_text(str(found))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--har-mb", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_files(Path(args.write), args.requests, args.har_mb)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        # Made by another process: a child forked from one holding the data would count
        # its pages in the peak memory measured.
        sizes = ["--requests", str(args.requests), "--har-mb", str(args.har_mb)]
        subprocess.run([sys.executable, __file__, *sizes, "--write", folder], check=True)
        events, har = Path(folder) / "events.json", Path(folder) / "page.har"
        requests = int((Path(folder) / "requests").read_text())
        megabytes = har.stat().st_size / 1024 / 1024
        print(f"{requests:,} Blueshift requests in a {megabytes:.0f} MB HAR", file=sys.stderr)
        saved = ["--from-file", str(events), "--json"]
        commands = [
            ("bsevents events --json", [BSEVENTS, "events", *saved]),
            ("bsevents reconcile --json", [BSEVENTS, "reconcile", str(har), *saved]),
        ]
        rows = []
        for label, argv in commands:
            runs = [measure(argv, ok=(0, 6)) for _ in range(args.repeat)]  # 6: not all arrived
            best, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
            peak = max(r[2] for r in runs)
            rows.append((label, best, cpu, peak))
            print(f"  {label:28} {best:6.2f} s {cpu:6.2f} s CPU", file=sys.stderr)
    shape = f"{args.requests:,} events, {megabytes:.0f} MB HAR"
    print(f"| command ({shape}) | time (best) | CPU (best) | peak memory |")
    print("| --- | ---: | ---: | ---: |")
    for label, best, cpu, peak in rows:
        print(f"| `{label}` | {best:.2f} s | {cpu:.2f} s | {peak / 1024:.0f} MiB |")
    ratio = rows[1][1] / rows[0][1]
    print(f"\nreconcile / events: {ratio:.2f}x wall, {rows[1][2] / rows[0][2]:.2f}x CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
