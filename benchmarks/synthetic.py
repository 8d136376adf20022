"""Synthetic show_events responses for the benchmarks: realistic shapes, any size.

Deterministic (seeded), written to a temporary directory by the benchmark script so that
no large data file is ever committed. Events are shuffled the way an API might send them
(roughly newest first, with some disorder), so sorting does real work.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

_NAMES = [
    ("pageload", 30),
    ("view", 25),
    ("search", 6),
    ("add_to_cart", 8),
    ("remove_from_cart", 2),
    ("checkout", 3),
    ("purchase", 2),
    ("identify", 2),
    ("login", 1),
    ("video_played", 5),
    ("add_to_wishlist", 2),
]
_BROWSERS = [
    ("Chrome", "126.0.6478.127", "macOS"),
    ("Safari", "18.1", "iOS"),
    ("Firefox", "128.0", "Windows"),
    ("Chrome", "125.0.6422.165", "Android"),
]
_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
CUSTOMER = "51aceb79-2cbc-4e2b-a132-b02de69bba15"
ACCOUNT = "4b5b584f-fee7-44f3-ae3a-8ba90aa7d2d5"


def _iso(seconds: float, millis: bool) -> str:
    import time

    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{base}.{int(seconds * 1000) % 1000:03d}Z" if millis else f"{base}Z"


def make_events(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` events over sessions of 5-60 events, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    names = [n for n, _ in _NAMES]
    weights = [w for _, w in _NAMES]
    events: list[dict[str, Any]] = []
    now = 1_795_775_057.0  # 2026-11-27
    moment = now - count * 240.0
    while len(events) < count:
        session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        cookie = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        btype, bversion, platform = rng.choice(_BROWSERS)
        for _ in range(min(rng.randint(5, 60), count - len(events))):
            moment += rng.uniform(2, 180)
            name = rng.choices(names, weights)[0]
            sku = f"SKU-{rng.randint(1, 400):04d}"
            event: dict[str, Any] = {
                "_bsft_doc_type": "events",
                "_bsft_ts": _iso(moment + 1.2, True),
                "_bsft_type": {"name": "events", "parent": CUSTOMER},
                "account_uuid": ACCOUNT,
                "browser_platform": platform,
                "browser_type": btype,
                "browser_version": bversion,
                "cookie": cookie,
                "email": "maya.lindqvist@example.com",
                "event": name,
                "event_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "ip": f"198.51.100.{rng.randint(1, 254)}",
                "santized_at": _iso(moment + 1.2, True),
                "session_uuid": session,
                "site": "https://shop.example.com",
                "timestamp": _iso(moment, rng.random() < 0.3),
                "timestamp_epoch": int(moment),
                "url": f"https://shop.example.com/p/{sku.lower()}?utm_source=bench",
                "user_agent": _AGENT,
                "user_uuid": CUSTOMER,
            }
            if name in ("view", "add_to_cart", "remove_from_cart", "add_to_wishlist"):
                event.update(product_id=sku, price=f"{rng.randint(5, 300)}.00", quantity=1)
            elif name in ("checkout", "purchase"):
                event.update(
                    products=[{"product_id": sku, "quantity": 1, "price": "49.00"}],
                    revenue="49.00",
                    currency="EUR",
                    order_id=f"SO-{rng.randint(100000, 999999)}",
                )
            elif name == "search":
                event.update(search_term=rng.choice(["boots", "socks", "trail shoes"]))
            elif name == "video_played":
                event.update(video_id=f"v{rng.randint(1, 50)}", seconds=rng.randint(1, 600))
            events.append(event)
        moment += rng.uniform(1800, 86400)
    return events


def write_response(path: Path, count: int) -> Path:
    """Write a compact show_events body of `count` events, newest first, lightly shuffled."""
    events = make_events(count)
    events.reverse()
    rng = random.Random(count)  # noqa: S311
    for _ in range(count // 20):  # some disorder, as a real store might give
        i = rng.randrange(count)
        j = min(count - 1, i + rng.randint(1, 5))
        events[i], events[j] = events[j], events[i]
    path.write_text(json.dumps(events, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return path
