"""Run the stand-in Blueshift by hand: `python -m tests.serve [--port N] [--key KEY]`.

It serves the bundled demo customer (and an email that finds it) on 127.0.0.1 with
Blueshift's hourly limit, so a contributor can try live calls, the budget, the cache and
`--email` without a Blueshift account, and `send` (it takes events with its Event API
key). It prints the variables that point bsevents at it, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.resources import files

from tests.standin import StandIn

DEMO_UUID = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
DEMO_EMAIL = "maya.lindqvist@example.com"
DEFAULT_KEY = "standin-key-0123456789"


def build(key: str, hourly_limit: int) -> StandIn:
    """A stand-in that knows the demo customer, by UUID and by email."""
    server = StandIn(key)
    demo = json.loads(files("bsevents.app").joinpath("demo.json").read_text(encoding="utf-8"))
    server.customers[DEMO_UUID] = demo
    server.people[DEMO_EMAIL] = [{"uuid": DEMO_UUID, "email": DEMO_EMAIL, "customer_id": "1001"}]
    server.hourly_limit = hourly_limit
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any)")
    parser.add_argument("--key", default=DEFAULT_KEY, help="the User API key it accepts")
    parser.add_argument("--hourly-limit", type=int, default=10, help="429 after this many")
    args = parser.parse_args(argv)
    try:
        server = build(args.key, args.hourly_limit).start(args.port)
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{args.port} ({error.strerror})", file=sys.stderr)
        return 1
    print(f"export BSEVENTS_BASE_URL={server.base_url}", flush=True)
    print(f"export BLUESHIFT_API_KEY={args.key}", flush=True)
    print(f"export BLUESHIFT_EVENT_API_KEY={server.event_api_key}", flush=True)
    print(
        f"# then: bsevents events {DEMO_UUID}   or   bsevents events --email {DEMO_EMAIL}",
        file=sys.stderr,
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
